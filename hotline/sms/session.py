"""Conversation state in a signed cookie that Twilio keeps per number pair, and nothing else.

Twilio stores the cookies of an SMS webhook's replies for each pair of numbers for four hours and
sends them back with the next message, so a conversation needs no server-side record of the
texter, and any instance with the same HOTLINE_SECRET_KEY can answer the next message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from flask import Flask
from flask.sessions import SecureCookieSessionInterface, SessionMixin

from hotline.config import Settings
from hotline.content.model import Content
from hotline.navigation import MAIN, Trail, valid_trail

# Twilio forgets SMS cookies after four hours; a cookie should not outlive that either.
LIFETIME = dt.timedelta(hours=4)
COOKIE_NAME = "hotline_sms"
LANGUAGE = "lang"
TRAIL = "trail"


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with HMAC-SHA256 rather than the default SHA-1."""

    digest_method = staticmethod(hashlib.sha256)


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
