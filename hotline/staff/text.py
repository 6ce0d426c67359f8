"""A simulated text conversation: drive the real SMS webhook and size each reply.

Twilio keeps an SMS conversation's cookie between messages; here the console keeps it and sends it
back with the next message, so the server holds nothing about the conversation.
"""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from werkzeug.test import TestResponse

from hotline.sms.segments import SMS_SEGMENT_WARNING, sms_size
from hotline.sms.session import COOKIE_NAME

# Made-up texters: 555-0100 to 555-0199 are reserved for fiction and reach no one. Each simulated
# conversation picks one, so the per-sender text limit treats it like any one texter.
FICTIONAL_TEXTER = re.compile(r"^\+141355501[0-9]{2}$")
SIMULATED_ACCOUNT_SID = "AC" + "0" * 32
MAX_BODY = 1600

Post = Callable[[str, dict[str, str], str], TestResponse]


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
    post: Post, url: str, hotline_number: str, body: str, cookie: str, texter: str
) -> Exchange:
    """Send `body` to the SMS webhook as Twilio would, with the conversation's cookie."""
    texter = fictional_texter(texter)
    # Each text gets its own made-up SID, so no two simulated texts look like one retried.
    message_sid = "SM" + secrets.token_hex(16)
    params = {
        "MessageSid": message_sid,
        "SmsSid": message_sid,
        "AccountSid": SIMULATED_ACCOUNT_SID,
        "From": texter,
        "To": hotline_number,
        "Body": body[:MAX_BODY],
        "NumMedia": "0",
    }
    response = post(url, params, _cookie_header(cookie))
    if response.status_code != 200 or response.mimetype != "text/xml":
        return Exchange([], cookie, texter, f"the webhook answered HTTP {response.status_code}")
    try:
        root = ET.fromstring(response.get_data())
    except ET.ParseError:
        return Exchange([], cookie, texter, "the webhook's answer is not TwiML")
    replies = [_sized(_message_text(message)) for message in root.iter("Message")]
    return Exchange(replies, _next_cookie(response, cookie), texter)


def _message_text(message: ET.Element) -> str:
    body = message.find("Body")
    return (body.text if body is not None else message.text) or ""


def _sized(text: str) -> dict[str, Any]:
    size = sms_size(text)
    return {
        "text": text,
        "segments": size.segments,
        "encoding": size.encoding,
        "units": size.units,
        "long": size.segments > SMS_SEGMENT_WARNING,
    }


def _cookie_header(cookie: str) -> str:
    return f"{COOKIE_NAME}={cookie}" if cookie else ""


def _next_cookie(response: TestResponse, previous: str) -> str:
    """The cookie as Twilio would keep it: replaced, cleared, or left as it was."""
    for header in response.headers.getlist("Set-Cookie"):
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            continue
        morsel = jar.get(COOKIE_NAME)
        if morsel is None:
            continue
        cleared = morsel["max-age"] == "0" or "1970" in morsel["expires"]
        return "" if cleared else morsel.value
    return previous
