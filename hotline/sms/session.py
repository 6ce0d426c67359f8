"""Conversation state in a signed cookie that Twilio keeps per number pair, and nothing else.

Twilio stores the cookies of an SMS webhook's replies for each pair of numbers for four hours and
sends them back with the next message, so a conversation needs no server-side record of the
texter, and any instance with the same keys can answer the next message.

The cookie is `<payload>.<signature>`: the payload is URL-safe base64 of a JSON list (the time it
was written, the language, the place in the tree), signed by itsdangerous with HMAC-SHA256 and a
salt of its own, as the staff console signs its call state. New cookies are signed with
HOTLINE_SECRET_KEY; those signed with a key in HOTLINE_OLD_SECRET_KEYS are still read, so a key
can be changed without restarting open conversations. A cookie that is older than four hours,
signed with no key we hold, in an older format or changed in any way is ignored, and the texter
starts again at the welcome. Nothing about the texter is in it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any

from itsdangerous import BadSignature, Signer, want_bytes

from hotline.content.model import Content
from hotline.navigation import MAIN, Trail, valid_trail

# Twilio forgets SMS cookies after four hours; a cookie should not outlive that either.
LIFETIME = dt.timedelta(hours=4)
COOKIE_NAME = "hotline_sms"
SALT = "hotline sms conversation"
# Instances' clocks may differ a little: a cookie "from the future" by less than this is fine.
CLOCK_SKEW_SECONDS = 300


class _Signer(Signer):
    """itsdangerous's Signer, deriving each key's signing key once instead of for every cookie.

    Derivation is an HMAC of the salt: the same for a key every time, and without this, a text
    paid for two of them (reading and writing its cookie) besides the two signatures.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = None if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(key)
        if derived is None:
            derived = self._derived[key] = super().derive_key(key)
        return derived


@dataclass(frozen=True)
class Conversation:
    """Where a texter is: a language and a place in the tree. Nothing about who they are."""

    language: str
    trail: Trail = MAIN


class ConversationCookies:
    """Writes and reads the conversation cookie with a list of keys (the last one signs)."""

    def __init__(
        self,
        keys: str | Sequence[str],
        secure: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._signer = _Signer(
            [keys] if isinstance(keys, str) else list(keys),
            salt=SALT,
            key_derivation="hmac",
            digest_method=hashlib.sha256,
        )
        self._clock = clock
        secure_only = "; Secure" if secure else ""
        self._attributes = f"; Path=/sms; HttpOnly{secure_only}; SameSite=Lax"
        self._lifetime = int(LIFETIME.total_seconds())

    def value(self, conversation: Conversation) -> str:
        """The cookie's value for a conversation, signed now."""
        data = [int(self._clock()), conversation.language, *conversation.trail]
        text = json.dumps(data, separators=(",", ":"))
        payload = base64.urlsafe_b64encode(text.encode()).rstrip(b"=")
        return self._signer.sign(payload).decode("ascii")

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
        """The language and trail in a cookie value, if a key of ours signed it and it is fresh."""
        if not raw.isascii():
            return None
        try:
            payload = self._signer.unsign(raw)
            data = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        except (BadSignature, ValueError, binascii.Error):
            return None
        if not isinstance(data, list) or len(data) < 2:
            return None
        written, *place = data
        if type(written) is not int or not all(isinstance(x, str) for x in place):
            return None
        if not -CLOCK_SKEW_SECONDS <= self._clock() - written <= self._lifetime:
            return None
        return place


def cookie_value(header: str, name: str) -> str | None:
    """One cookie's value in a Cookie request header."""
    if not header:
        return None
    for part in header.split(";"):
        key, _, value = part.partition("=")
        if key.strip() == name:
            return value.strip().strip('"')
    return None
