"""Only Twilio may reach the webhooks: every request must carry a valid X-Twilio-Signature.

The check is twilio's own RequestValidator, on purpose: signature checking is security code that
Twilio maintains (port forms, bodySHA256, comparison in constant time), and the benchmark's
baseline uses the same call, so the two are compared on equal terms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from hotline.config import Settings

log = logging.getLogger(__name__)


def signed_url(settings: Settings) -> str:
    """The URL Twilio signed: behind a proxy, the public address rather than ours."""
    if settings.public_url is None:
        return request.url
    query = request.query_string.decode("latin-1")
    return settings.public_url + request.path + (f"?{query}" if query else "")


def is_from_twilio(settings: Settings) -> bool:
    if settings.auth_token is None:
        return settings.dev
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    params = request.form if request.method == "POST" else {}
    return _validator(settings.auth_token).validate(signed_url(settings), params, signature)


def _validator(token: str) -> RequestValidator:
    """One validator per app and token, instead of one per request."""
    validator = current_app.config.get("HOTLINE_VALIDATOR")
    if validator is None or validator.token != token.encode("utf-8"):
        validator = current_app.config["HOTLINE_VALIDATOR"] = RequestValidator(token)
    return validator


def twilio_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer 403 to any request without a valid Twilio signature."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Response:
        if not is_from_twilio(current_app.config["HOTLINE_SETTINGS"]):
            log.warning("refused a request with a missing or invalid Twilio signature")
            abort(403)
        return view(*args, **kwargs)

    return checked
