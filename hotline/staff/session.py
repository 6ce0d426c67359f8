"""A staff session: a random id in a cookie, for CSRF tokens and for naming writes in the log.

Basic auth has no session of its own. The id is made when the console page is opened; the page
gets a token derived from it (an HMAC with the secret key), and a write must send that token
back in a header that no form on another site can set. The log names a session by another HMAC
of the id, never by the id itself, so a log reader cannot replay it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import Request, Response

COOKIE_NAME = "hotline_staff_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def session_id(request: Request) -> str | None:
    """The session id the browser sent, if it has the shape of one this server makes."""
    value = request.cookies.get(COOKIE_NAME, "")
    return value if SESSION_ID.match(value) else None


def start(response: Response, request: Request) -> str:
    """Give the browser a new session id in a cookie only this console's pages send back."""
    value = secrets.token_urlsafe(32)
    response.set_cookie(
        COOKIE_NAME,
        value,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
        path="/staff/",
    )
    return value


def _mac(secret_key: str, purpose: str, value: str) -> str:
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def csrf_token(secret_key: str, value: str) -> str:
    return _mac(secret_key, "staff-csrf", value)


def csrf_ok(request: Request, secret_key: str) -> bool:
    """True when the request carries its session's token in the CSRF header."""
    value = session_id(request)
    given = request.headers.get(CSRF_HEADER, "")
    return value is not None and hmac.compare_digest(given, csrf_token(secret_key, value))


def log_name(secret_key: str, value: str | None) -> str:
    """How the log names a session: short, stable for the session, not the id itself."""
    return _mac(secret_key, "staff-log", value)[:12] if value else "none"
