"""A simulated text conversation: the Twilio emulator on the real SMS webhook, each reply sized.

Twilio keeps an SMS conversation's cookie between messages; here the console keeps it and sends it
back with the next message, so the server holds nothing about the conversation.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from hotline.emulator import CookieJar, EmulatorError, Poster, SmsThread
from hotline.sms.segments import SMS_SEGMENT_WARNING, sms_size
from hotline.sms.session import COOKIE_NAME
from hotline.whatsapp.address import PREFIX as WHATSAPP_PREFIX
from hotline.whatsapp.address import SMS, WHATSAPP

# Made-up texters: 555-0100 to 555-0199 are reserved for fiction and reach no one. Each simulated
# conversation picks one, so the per-sender text limit treats it like any one texter.
FICTIONAL_TEXTER = re.compile(r"^\+141355501[0-9]{2}$")
MAX_BODY = 1600


@dataclass(frozen=True)
class Exchange:
    """The replies to one simulated text, and the conversation cookie to send with the next."""

    replies: list[dict[str, Any]]
    cookie: str
    texter: str
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "replies": self.replies,
            "cookie": self.cookie,
            "texter": self.texter,
            "error": self.error,
        }


def fictional_texter(given: str = "") -> str:
    """The conversation's made-up number, or a new one when it has none yet."""
    return given if FICTIONAL_TEXTER.match(given) else f"+141355501{secrets.randbelow(100):02d}"


def send_text(
    poster: Poster, hotline_number: str, body: str, cookie: str, texter: str, channel: str = SMS
) -> Exchange:
    """Send `body` to the SMS webhook as Twilio would, with the conversation's cookie.

    On WhatsApp Twilio writes both numbers as `whatsapp:+1…`; the texter handed back stays bare.
    """
    jar = CookieJar({COOKIE_NAME: cookie} if cookie else {})
    number = fictional_texter(texter)
    prefix = WHATSAPP_PREFIX if channel == WHATSAPP else ""
    thread = SmsThread(poster, prefix + number, prefix + hotline_number, jar)
    try:
        replies = thread.send(body[:MAX_BODY])
    except EmulatorError as error:
        return Exchange([], cookie, number, str(error))
    sized = [_sized(reply, channel) for reply in replies]
    return Exchange(sized, jar.cookies.get(COOKIE_NAME, ""), number)


def _sized(text: str, channel: str = SMS) -> dict[str, Any]:
    if channel == WHATSAPP:
        # WhatsApp has no segments: one <Message> is one message, up to Twilio's 1,600.
        return {"text": text, "channel": WHATSAPP, "characters": len(text), "long": False}
    size = sms_size(text)
    return {
        "text": text,
        "channel": SMS,
        "segments": size.segments,
        "encoding": size.encoding,
        "units": size.units,
        "long": size.segments > SMS_SEGMENT_WARNING,
    }
