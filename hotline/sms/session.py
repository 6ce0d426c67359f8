"""Conversation state in a signed cookie that Twilio keeps per number pair, and nothing else.

Twilio stores the cookies of an SMS webhook's replies for each pair of numbers for four hours and
sends them back with the next message, so a conversation needs no server-side record of the
texter, and any instance with the same HOTLINE_SECRET_KEY can answer the next message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from flask import Flask, Request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.url_safe import URLSafeSerializerMixin

from hotline.config import Settings
from hotline.content.model import Content
from hotline.navigation import MAIN, Trail, valid_trail

# Twilio forgets SMS cookies after four hours; a cookie should not outlive that either.
LIFETIME = dt.timedelta(hours=4)
COOKIE_NAME = "hotline_sms"
LANGUAGE = "lang"
TRAIL = "trail"


class PlainJSON:
    """Flask's cookie JSON, byte for byte, without its tagging pass for the plain values we keep.

    The conversation is strings, lists of strings and Flask's `_permanent` flag; Flask's tagged
    serializer writes those as compact JSON with sorted keys, and so does this, several times
    faster. Anything else (a tuple, bytes, a date) goes through Flask's own serializer.
    """

    tagged = TaggedJSONSerializer()

    def dumps(self, value: Any) -> str:
        if _plain(value):
            return json.dumps(value, separators=(",", ":"), sort_keys=True)
        return self.tagged.dumps(value)

    def loads(self, value: str | bytes) -> Any:
        data = json.loads(value)
        return data if _plain(data) else self.tagged.loads(value)


def _plain(value: Any) -> bool:
    """A dict of strings, numbers, flags and lists of strings: JSON that Flask leaves untagged."""
    return isinstance(value, dict) and all(
        isinstance(key, str)
        and not key.startswith(" ")
        and (
            isinstance(item, str | int | float | bool | None)
            or (isinstance(item, list) and all(isinstance(x, str) for x in item))
        )
        for key, item in value.items()
    )


class CachedKeySigner(TimestampSigner):
    """itsdangerous' timestamp signer, deriving each secret's signing key once, not per cookie."""

    _keys: dict[tuple[bytes, bytes, str, Any], bytes] = {}  # noqa: RUF012 (a shared cache)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        raw = self.secret_keys[-1] if secret_key is None else secret_key
        raw = raw.encode() if isinstance(raw, str) else raw
        cache_key = (raw, self.salt, self.key_derivation, self.digest_method)
        key = self._keys.get(cache_key)
        if key is None:
            key = super().derive_key(raw)
            if len(self._keys) < 64:
                self._keys[cache_key] = key
        return key


class UncompressedSerializer(URLSafeTimedSerializer):
    """itsdangerous' URL-safe timed serializer, writing without trying zlib first.

    The conversation is a few dozen bytes, which zlib seldom shortens, and zlib.compress both
    sets up a large state per call and lets go of the GIL, which under gunicorn's threads cost a
    text far more than the compression itself. Reading is unchanged, so cookies written
    compressed (by an earlier version) are still read.
    """

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(super(URLSafeSerializerMixin, self).dump_payload(obj))


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with HMAC-SHA256 rather than the default SHA-1.

    Calls never carry the cookie (it is sent to /sms only), so a request without it gets an
    empty session straight away, and the signing serializer is built once per secret key rather
    than twice per text.
    """

    digest_method = staticmethod(hashlib.sha256)
    serializer = PlainJSON()  # type: ignore[assignment]

    def __init__(self) -> None:
        self._serializer: tuple[tuple[Any, ...], URLSafeTimedSerializer] | None = None
        self._lock = threading.Lock()

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)
        cached = self._serializer
        if cached is not None and cached[0] == keys:
            return cached[1]
        serializer = UncompressedSerializer(
            list(keys),  # type: ignore[arg-type]
            salt=self.salt,
            serializer=self.serializer,
            signer=CachedKeySigner,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        with self._lock:
            self._serializer = (keys, serializer)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        # Calls carry no Cookie header at all: answer before parsing one.
        if app.secret_key and (
            "HTTP_COOKIE" not in request.environ
            or not request.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        return super().open_session(app, request)


def configure_sessions(app: Flask, settings: Settings) -> None:
    """Sign session cookies with HOTLINE_SECRET_KEY and send them only to the SMS webhook."""
    app.secret_key = settings.secret_key
    app.session_interface = SignedCookieSessions()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_PATH="/sms",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=not settings.dev,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=LIFETIME,
    )


@dataclass(frozen=True)
class Conversation:
    """Where a texter is: a language and a place in the tree. Nothing about who they are."""

    language: str
    trail: Trail = MAIN


def read(session: SessionMixin, content: Content) -> Conversation | None:
    """The conversation in the cookie, or None when there is none or it no longer fits."""
    code = session.get(LANGUAGE)
    raw_trail = session.get(TRAIL)
    if not isinstance(code, str) or content.language(code) is None:
        return None
    if not isinstance(raw_trail, list) or not all(isinstance(step, str) for step in raw_trail):
        return Conversation(code)
    # The tree may have changed since the cookie was set: start that texter at the main menu.
    return Conversation(code, valid_trail(content, raw_trail) or MAIN)


def write(session: SessionMixin, conversation: Conversation | None) -> None:
    """Store the conversation, or forget it entirely (after STOP)."""
    session.clear()
    if conversation is None:
        return
    session.permanent = True
    session[LANGUAGE] = conversation.language
    session[TRAIL] = list(conversation.trail)
