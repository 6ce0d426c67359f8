"""The webhook blueprints: addresses, methods, bodies, and what is left to the rest of the app."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.cli import routes_command
from werkzeug.test import EnvironBuilder

from hotline import create_app
from hotline.safe_twiml import LAST_RESORT_SMS, LAST_RESORT_VOICE
from hotline.security import MAX_FIELDS
from tests.conftest import app_settings
from tests.twilio_sim import (
    CALL_SID,
    CANARY_CALLER,
    HOTLINE_NUMBER,
    PUBLIC_URL,
    parse_twiml,
    sign,
    signed_post,
)

CALL = {"CallSid": CALL_SID, "From": CANARY_CALLER, "To": HOTLINE_NUMBER}


@pytest.fixture
def unguarded() -> Flask:
    """The line as it is: nothing in front of the webhooks catches a bad status."""
    return create_app(app_settings())


@pytest.mark.parametrize(
    ("method", "path", "static"),
    [
        ("GET", "/voice", LAST_RESORT_VOICE),
        ("GET", "/voice/node/en/main", LAST_RESORT_VOICE),
        ("HEAD", "/voice", LAST_RESORT_VOICE),
        ("PUT", "/sms", LAST_RESORT_SMS),
        ("GET", "/sms", LAST_RESORT_SMS),
        ("POST", "/voice/", LAST_RESORT_VOICE),
        ("POST", "/voice/x%0Ay", LAST_RESORT_VOICE),
        ("POST", "/sms/", LAST_RESORT_SMS),
        ("POST", "/sms/old-address", LAST_RESORT_SMS),
    ],
)
def test_other_methods_and_unknown_addresses_get_the_static_document(
    unguarded: Flask, method: str, path: str, static: str
) -> None:
    response = unguarded.test_client().open(path, method=method, data=CALL)
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    if method != "HEAD":
        assert response.get_data(as_text=True) == static


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body of an unsigned request was read")


def run_wsgi(app: Flask, environ: dict[str, Any]) -> tuple[str, bytes]:
    status: list[str] = []
    body = b"".join(app.wsgi_app(environ, lambda s, h, e=None: status.append(s)))
    return status[0], body


def test_an_unsigned_request_is_refused_before_its_body_is_read(unguarded: Flask) -> None:
    environ = EnvironBuilder(path="/voice", method="POST", data=urlencode(CALL)).get_environ()
    environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    environ["wsgi.input"] = Unreadable()
    status, _ = run_wsgi(unguarded, environ)
    assert status.startswith("403")


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
        "Application/X-WWW-Form-Urlencoded",
    ],
)
def test_twilio_s_form_is_read_whatever_the_case_of_its_type(
    unguarded: Flask, content_type: str
) -> None:
    params = {**CALL, "Digits": "2"}
    response = unguarded.test_client().post(
        "/voice/language",
        data=urlencode(params),
        content_type=content_type,
        headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/voice/language", params)},
    )
    assert response.status_code == 200
    # Key 2 chose Spanish: the menu is spoken in Spanish, so the form was read.
    says = parse_twiml(response.data).iter("Say")
    assert {say.get("language") for say in says} == {"es-US"}


def test_a_body_that_is_not_a_form_is_read_as_no_fields(unguarded: Flask) -> None:
    response = unguarded.test_client().post(
        "/voice",
        data='{"From": "+14135550123"}',
        content_type="application/json",
        headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/voice", {})},
    )
    assert response.status_code == 200
    assert parse_twiml(response.data).find("Gather") is not None


def test_requests_that_are_not_webhooks_are_left_to_the_rest_of_the_app(unguarded: Flask) -> None:
    client = unguarded.test_client()
    assert client.get("/healthz").json["status"] == "ok"
    assert client.get("/voicemail").status_code == 404  # only /voice and /voice/... are ours
    assert signed_post(client, "/smsx", {"Body": "hi"}).status_code == 404


@pytest.mark.parametrize("tries", ["%C2%B2", "x", "", "999", "-1", "1&try=2"])
def test_an_odd_try_count_in_the_address_is_the_first_try(unguarded: Flask, tries: str) -> None:
    path = f"/voice?try={tries}"
    response = signed_post(unguarded.test_client(), path, CALL)
    assert response.status_code == 200
    gather = parse_twiml(response.data).find("Gather")
    assert gather is not None  # the greeting itself, not the safe message
    assert gather.get("action") == "/voice/language?try=1"


@pytest.mark.parametrize("signature", ["x", "not base64!" * 3, "a" * 200])
def test_a_signature_of_the_wrong_shape_is_refused_before_the_body_is_read(
    unguarded: Flask, signature: str
) -> None:
    environ = EnvironBuilder(
        path="/voice",
        method="POST",
        data=urlencode(CALL),
        headers={"X-Twilio-Signature": signature},
    ).get_environ()
    environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    environ["wsgi.input"] = Unreadable()
    status, _ = run_wsgi(unguarded, environ)
    assert status.startswith("403")


def test_a_form_with_too_many_fields_is_not_parsed(
    unguarded: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    params = {**CALL, **{f"f{n}": "1" for n in range(MAX_FIELDS)}}
    response = signed_post(unguarded.test_client(), "/voice", params)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == LAST_RESORT_VOICE
    assert "a body too large to be a webhook" in caplog.text


def test_flask_routes_lists_every_webhook(unguarded: Flask) -> None:
    listed = unguarded.test_cli_runner().invoke(routes_command).output
    for rule in ["/voice", "/voice/key/<lang>/<path:trail>", "/sms", "/sms/fallback"]:
        assert re.search(rf"POST\s+{re.escape(rule)}\s*$", listed, re.MULTILINE), rule
