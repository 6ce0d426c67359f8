"""Conversation state in a signed cookie that Twilio keeps per number pair, and nothing else.

Twilio stores the cookies of an SMS webhook's replies for each pair of numbers for four hours and
sends them back with the next message, so a conversation needs no server-side record of the
texter, and any instance with the same HOTLINE_SECRET_KEY can answer the next message.

The cookie is `v1.<payload>.<written>.<mac>`: the payload is the language and the place in the
tree as URL-safe base64 of a JSON list, `written` the Unix time it was written, and the
MAC an HMAC-SHA256 over both with a key derived from the secret for this purpose alone. A cookie
that is older than four hours, signed with another secret or changed in any way is ignored, and
the texter starts again at the welcome. Nothing about the texter is in it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate

from hotline.content.model import Content
from hotline.navigation import MAIN, Trail, valid_trail

# Twilio forgets SMS cookies after four hours; a cookie should not outlive that either.
LIFETIME = dt.timedelta(hours=4)
COOKIE_NAME = "hotline_sms"
VERSION = "v1"
# Instances' clocks may differ a little: a cookie "from the future" by less than this is fine.
CLOCK_SKEW_SECONDS = 300


@dataclass(frozen=True)
class Conversation:
    """Where a texter is: a language and a place in the tree. Nothing about who they are."""

    language: str
    trail: Trail = MAIN


class ConversationCookies:
    """Writes and reads the conversation cookie for one secret."""

    def __init__(
        self, secret: str, secure: bool = True, clock: Callable[[], float] = time.time
    ) -> None:
        key = hmac.new(secret.encode(), b"hotline sms cookie v1", hashlib.sha256).digest()
        # A copy of an HMAC already keyed per cookie: no key set-up, and the GIL is kept (see
        # privacy.CallerKeys for why that matters under gunicorn's threads).
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)
        self._clock = clock
        secure_only = "; Secure" if secure else ""
        self._attributes = f"; Path=/sms; HttpOnly{secure_only}; SameSite=Lax"
        self._lifetime = int(LIFETIME.total_seconds())

    def _mac(self, signed: str) -> str:
        mac = self._keyed.copy()
        mac.update(signed.encode("ascii"))
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")

    def value(self, conversation: Conversation) -> str:
        """The cookie's value for a conversation, signed now."""
        data = json.dumps([conversation.language, *conversation.trail], separators=(",", ":"))
        payload = base64.urlsafe_b64encode(data.encode()).rstrip(b"=").decode("ascii")
        signed = f"{VERSION}.{payload}.{int(self._clock())}"
        return f"{signed}.{self._mac(signed)}"

    def set_cookie(self, conversation: Conversation | None) -> str:
        """A Set-Cookie header value that keeps the conversation, or forgets it (None)."""
        if conversation is None:
            return (
                f"{COOKIE_NAME}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"
                + self._attributes
            )
        expires = formatdate(self._clock() + self._lifetime, usegmt=True)
        return (
            f"{COOKIE_NAME}={self.value(conversation)}; Expires={expires}; "
            f"Max-Age={self._lifetime}{self._attributes}"
        )

    def read(self, cookie_header: str, content: Content) -> Conversation | None:
        """The conversation in a request's Cookie header, or None when there is none that fits."""
        raw = cookie_value(cookie_header, COOKIE_NAME)
        if not raw:
            return None
        data = self.loads(raw)
        if data is None:
            return None
        code, *trail = data
        if content.language(code) is None:
            return None
        # The tree may have changed since the cookie was set: start that texter at the main menu.
        return Conversation(code, valid_trail(content, trail) or MAIN)

    def loads(self, raw: str) -> list[str] | None:
        """The signed list in a cookie value, if the signature holds and it is fresh."""
        if not raw.isascii():  # compare_digest takes ASCII text only; ours is all ASCII
            return None
        signed, _, mac = raw.rpartition(".")
        version, _, rest = signed.partition(".")
        payload, _, written = rest.partition(".")
        if version != VERSION or not payload or not written:
            return None
        if not hmac.compare_digest(self._mac(signed), mac):
            return None
        try:
            age = self._clock() - int(written)
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, binascii.Error):
            return None
        if not -CLOCK_SKEW_SECONDS <= age <= self._lifetime:
            return None
        if not isinstance(data, list) or not data or not all(isinstance(x, str) for x in data):
            return None
        return data


def cookie_value(header: str, name: str) -> str | None:
    """One cookie's value in a Cookie request header."""
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.partition("=")
        if key.strip() == name:
            return value.strip().strip('"')
    return None
