"""Requests to the app's own webhooks, signed as Twilio signs them, without leaving the process."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from hotline.config import Settings
from hotline.limits import LIMITS_ENVIRON

Poster = Callable[..., TestResponse]
# Set on every simulated request. It is a WSGI environ key, not a header, so no request from
# outside can carry it: counters can leave simulated calls and texts out of the usage figures.
SIMULATED = "hotline.staff_simulation"


def base_url(settings: Settings, host_url: str) -> str:
    """The address Twilio would call: the configured public one, else this server's own."""
    return (settings.public_url or host_url).rstrip("/")


def signed_post(
    app: Flask, settings: Settings, url: str, params: dict[str, str], cookie: str = ""
) -> TestResponse:
    """POST form fields to one of the app's webhooks with a valid X-Twilio-Signature."""
    headers = {"Cookie": cookie} if cookie else {}
    if settings.auth_token is not None:
        # In dev mode without a token nothing is checked, so there is nothing to sign with.
        signature = RequestValidator(settings.auth_token).compute_signature(url, params)
        headers["X-Twilio-Signature"] = signature
    client = app.test_client(use_cookies=False)
    # The simulation's own limits: it must never spend the real line's.
    environ = {SIMULATED: True, LIMITS_ENVIRON: app.config["HOTLINE_SIMULATION_LIMITS"]}
    return client.post(url, data=params, headers=headers, environ_overrides=environ)
