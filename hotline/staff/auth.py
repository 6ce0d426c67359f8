"""HTTP basic auth for the staff console: one shared password, compared in constant time."""

from __future__ import annotations

import hmac

from flask import Request, Response

REALM = "Northampton hotline staff"


def password_matches(request: Request, password: str) -> bool:
    """True when the request carries the staff password, whatever the user name."""
    auth = request.authorization
    given = (auth.password or "") if auth is not None and auth.type == "basic" else ""
    return hmac.compare_digest(given.encode("utf-8"), password.encode("utf-8"))


def challenge() -> Response:
    """A 401 that makes the browser ask for the password."""
    return Response(
        "The staff console needs the staff password.\n",
        status=401,
        mimetype="text/plain",
        headers={"WWW-Authenticate": f'Basic realm="{REALM}", charset="UTF-8"'},
    )
