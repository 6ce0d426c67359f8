"""HTTP basic auth for the staff console: one shared password, compared in constant time, and
failed attempts throttled per client (hotline.limits.logins)."""

from __future__ import annotations

import hmac

from flask import Request, Response

from hotline.limits.logins import LoginThrottle, too_many

REALM = "Northampton hotline staff"
DOOR = "staff console"


def password_matches(request: Request, password: str) -> bool:
    """True when the request carries the staff password, whatever the user name."""
    auth = request.authorization
    given = (auth.password or "") if auth is not None and auth.type == "basic" else ""
    return hmac.compare_digest(given.encode("utf-8"), password.encode("utf-8"))


def refusal(request: Request, password: str, throttle: LoginThrottle) -> Response | None:
    """None when the request may in; else the challenge, or 429 for a client that guessed
    wrong too often. A request with no password at all (a browser's first) is not a failure."""
    door = throttle.door("staff", request.remote_addr or "unknown")
    if throttle.locked(door):
        return too_many(door)
    if password_matches(request, password):
        return None
    if request.authorization is not None:
        throttle.failed(door, DOOR)
    return challenge()


def challenge() -> Response:
    """A 401 that makes the browser ask for the password."""
    return Response(
        "The staff console needs the staff password.\n",
        status=401,
        mimetype="text/plain",
        headers={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
    )
