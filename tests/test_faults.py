"""Faults that never reach a caller: crashes, a lost Redis, broken edits, the app down.

A handler that hangs is gunicorn's to end (its worker timeout), and Twilio's Fallback URL answers
meanwhile; the real-server tests cover that.
"""

from __future__ import annotations

import os
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from hotline import create_app
from hotline.safe_twiml import LAST_RESORT_SMS, LAST_RESORT_VOICE, STATIC
from hotline.services import services_of
from hotline.sms.render import SmsRenderer
from hotline.sms.segments import SmsSize, sms_size
from hotline.voice.twiml import VoiceRenderer
from tests.conftest import app_settings
from tests.redis_server import RedisServer
from tests.sms_sim import Texter
from tests.twilio_sim import (
    CALL_SID,
    CANARY_CALLER,
    HOTLINE_NUMBER,
    SMS_VERBS,
    Call,
    parse_twiml,
    signed_post,
)

SECRET_WORDS = "my landlord at 12 Elm Street"
OFFICE_SPOKEN = "4 1 3, 5 8 7, 1 2 4 9"
OFFICE_WRITTEN = "413-587-1249"
EMERGENCY_SPOKEN = "9 1 1"


def caller_data_in(text: str) -> list[str]:
    return [value for value in (CANARY_CALLER, CALL_SID, SECRET_WORDS) if value in text]


# A handler raises ---------------------------------------------------------------------------


def test_a_voice_crash_with_caller_data_gives_911_and_the_office_and_logs_none_of_it(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self, code, trail, digits, *args):
        raise ValueError(f"cannot handle {digits!r} on {CALL_SID} from {CANARY_CALLER}")

    monkeypatch.setattr(VoiceRenderer, "key_press", broken)
    call = Call(app.test_client()).start().press("1").press("1")

    assert EMERGENCY_SPOKEN in call.text
    assert OFFICE_SPOKEN in call.text
    assert "Traceback" in caplog.text and "ValueError" in caplog.text
    assert caller_data_in(caplog.text) == []


def test_a_text_crash_with_the_message_in_it_gives_the_office_and_logs_none_of_it(
    app: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self, conversation, body):
        raise ValueError(f"no reply for {body!r} from {CANARY_CALLER}")

    monkeypatch.setattr(SmsRenderer, "reply", broken)
    texter = Texter(app.test_client()).send(SECRET_WORDS)

    assert OFFICE_WRITTEN in texter.text
    assert "Traceback" in caplog.text and "ValueError" in caplog.text
    assert caller_data_in(caplog.text) == []


@pytest.mark.parametrize(
    ("path", "renderer", "method", "safe"),
    [
        ("/voice", VoiceRenderer, "greeting", LAST_RESORT_VOICE),
        ("/sms", SmsRenderer, "reply", LAST_RESORT_SMS),
    ],
)
def test_when_even_the_safe_message_fails_the_static_document_is_sent(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    *,
    path,
    renderer,
    method,
    safe,
) -> None:
    def broken(*args, **kwargs):
        raise MemoryError("no memory left to render anything")

    monkeypatch.setattr(renderer, method, broken)
    monkeypatch.setattr(renderer, "safe_reply", broken)
    response = signed_post(app.test_client(), path, {"From": CANARY_CALLER, "Body": "1"})

    assert response.status_code == 200
    assert response.get_data(as_text=True) == safe
    assert "the safe message could not be rendered; sent the static one" in caplog.text


@pytest.mark.parametrize(
    ("path", "safe"), [("/voice", LAST_RESORT_VOICE), ("/sms", LAST_RESORT_SMS)]
)
def test_when_even_writing_the_answer_fails_the_static_document_is_sent(
    app: Flask, caplog: pytest.LogCaptureFixture, path, safe
) -> None:
    @app.after_request
    def broken(response):
        raise MemoryError("no memory left to build a response")

    response = signed_post(app.test_client(), path, {"From": CANARY_CALLER, "Body": "1"})

    assert response.status_code == 200
    assert response.get_data(as_text=True) == safe
    assert any(
        r.name == "hotline.webhook" and "the caller got the static document" in r.getMessage()
        for r in caplog.records
    )


@pytest.mark.parametrize("path", ["/sms/", "/sms/old-address", "/voice/", "/voice/x%0Ay"])
def test_an_address_no_route_knows_gets_the_safe_document(app: Flask, path: str) -> None:
    response = signed_post(app.test_client(), path, {"Body": "1", "From": CANARY_CALLER})
    assert response.status_code == 200
    assert response.get_data(as_text=True) in (LAST_RESORT_SMS, LAST_RESORT_VOICE)


# Redis stops and comes back -----------------------------------------------------------------


def test_redis_stopping_and_coming_back_mid_run_fails_no_request(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(app_settings(HOTLINE_REDIS_URL=own_redis.url))
    # Try Redis again on every request rather than every few seconds, to see it come back.
    services_of(app).limits.backend.retry_seconds = 0
    client = app.test_client()
    answered = 0
    for step in range(30):
        if step == 10:
            own_redis.stop()
        if step == 20:
            own_redis.start()
        number = f"+1413555{step:04d}"
        call = Call(client, caller=number).start().press("1")
        assert call.pending_gather is not None and "Main menu" in call.text
        texter = Texter(client, number=number).send("EN").send("1")
        assert texter.replies
        answered += 1
    assert answered == 30
    assert "is not answering" in caplog.text and "answers again" in caplog.text
    # Back in use after the restart: the limits are counting in Redis again.
    assert own_redis.everything()


# Content broken during a run ----------------------------------------------------------------


def rewrite(path: Path, text: str) -> None:
    """Write a file and date it in the past, so the reloader reads it at once."""
    path.write_text(text, encoding="utf-8")
    past = time.time() - 60
    os.utime(path, (past, past))
    # Distinct times make every version a new one, even when two writes share a size.
    rewrite.count = getattr(rewrite, "count", 0) + 1
    os.utime(path, (past + rewrite.count, past + rewrite.count))


def run_callers(app: Flask, stop: threading.Event, heard: list[str], failures: list[str]) -> None:
    client = app.test_client()
    while not stop.is_set():
        try:
            call = Call(client).start().press("1")
            heard.append(call.text)
        except Exception as error:  # a failed call is the finding; record it, keep calling
            failures.append(repr(error))


def test_a_broken_or_half_written_file_mid_run_never_reaches_a_caller(
    content_copy: Path,
) -> None:
    app = create_app(app_settings(content_copy, HOTLINE_RELOAD_SECONDS="0"))
    en = content_copy / "messages" / "en.yaml"
    tree = content_copy / "menus" / "tree.yaml"
    good_en, good_tree = en.read_text(encoding="utf-8"), tree.read_text(encoding="utf-8")
    before = Call(app.test_client()).start().press("1").text
    heard: list[str] = []
    failures: list[str] = []
    stop = threading.Event()
    callers = [
        threading.Thread(target=run_callers, args=(app, stop, heard, failures)) for _ in range(3)
    ]
    for caller in callers:
        caller.start()
    try:
        for broken in (
            (en, good_en[: len(good_en) // 2]),  # half-written
            (en, good_en.replace("prompts:", "prompts: [", 1)),  # YAML syntax error
            (tree, good_tree.replace("police-role", "nowhere", 1)),  # a menu option to nothing
            (en, ""),  # emptied
        ):
            rewrite(*broken)
            assert eventually(lambda: health(app)["rejected_edit"] is not None)
            _wait_for_calls(heard, 5)  # callers keep calling while the broken file is there
            rewrite(en, good_en)
            rewrite(tree, good_tree)
            assert eventually(lambda: health(app)["rejected_edit"] is None)
    finally:
        stop.set()
        for caller in callers:
            caller.join(10)

    assert failures == []
    assert heard and set(heard) == {before}


def health(app: Flask) -> dict:
    return app.test_client().get("/healthz").get_json()


def eventually(condition: Callable[[], bool], seconds: float = 10) -> bool:
    """Poll until `condition` holds: a wait for something to happen, not a speed check."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _wait_for_calls(heard: list[str], count: int) -> None:
    target = len(heard) + count
    eventually(lambda: len(heard) >= target)


# Twilio's Fallback URL: static documents that work when the app is down ---------------------


def static_document(name: str) -> ET.Element:
    return ET.fromstring((STATIC / name).read_bytes())


def no_address_of_the_app(root: ET.Element) -> bool:
    """True when nothing in the document needs the app: no Redirect, no action URLs."""
    return all(
        element.tag not in ("Redirect", "Gather") and "action" not in element.attrib
        for element in root.iter()
    )


def test_the_voice_fallback_speaks_911_and_the_office_in_three_languages_then_hangs_up() -> None:
    root = static_document("fallback-voice.xml")
    parse_twiml(ET.tostring(root))
    says = root.findall("Say")
    assert [say.get("language") for say in says] == ["en-US", "es-US", "pt-BR"]
    assert all(say.get("voice", "").startswith("Polly.") for say in says)
    for say in says:
        assert EMERGENCY_SPOKEN in say.text and OFFICE_SPOKEN in say.text
    assert root[-1].tag == "Hangup"
    assert no_address_of_the_app(root)


def test_the_sms_fallback_gives_911_and_the_office_in_three_languages() -> None:
    root = static_document("fallback-sms.xml")
    parse_twiml(ET.tostring(root), SMS_VERBS)
    messages = root.findall("Message")
    assert len(messages) == 1
    text = messages[0].text or ""
    # "Emergencia" is Spanish and reads as Portuguese; "Emergência" would make it UCS-2.
    assert text.count("911") == 2 and text.count(OFFICE_WRITTEN) == 2
    assert "Emergency" in text and "Emergencia" in text
    assert "alcaldesa" in text and "prefeita" in text
    assert "mayor@northamptonma.gov" in text
    assert sms_size(text) == SmsSize("GSM-7", len(text), 2)
    assert no_address_of_the_app(root)


@pytest.mark.parametrize(
    ("path", "name"),
    [("/voice/fallback", "fallback-voice.xml"), ("/sms/fallback", "fallback-sms.xml")],
)
def test_the_fallback_documents_are_served_as_they_are(app: Flask, path: str, name: str) -> None:
    response = signed_post(app.test_client(), path, {"From": CANARY_CALLER, "To": HOTLINE_NUMBER})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.data == (STATIC / name).read_bytes()


def test_the_fallback_addresses_still_need_twilios_signature(app: Flask) -> None:
    client = app.test_client()
    assert client.post("/voice/fallback").status_code == 403
    assert client.post("/sms/fallback").status_code == 403
