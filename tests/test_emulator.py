"""The one Twilio emulator: its pure step over TwiML, and whole calls and texts through it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask, Response, request

from hotline.emulator import (
    MAX_DOCUMENTS_PER_STEP,
    SIMULATED,
    Call,
    EmulatorError,
    SignedPoster,
    SmsThread,
    Waiting,
    run,
)

URL = "https://line.example.org/voice/menu?try=1"


def verbs(xml: str) -> list[ET.Element]:
    return list(ET.fromstring(f"<Response>{xml}</Response>"))


def test_say_play_and_pause_are_heard_and_a_gather_waits_for_a_key() -> None:
    outcome = run(
        URL,
        verbs(
            '<Say language="es-US" voice="Polly.Lupe-Neural">Hola</Say><Play>/a.mp3</Play>'
            '<Gather action="key?try=1" timeout="6"><Pause length="2"/></Gather><Hangup/>'
        ),
    )
    assert [e.as_json() for e in outcome.events] == [
        {"type": "say", "text": "Hola", "language": "es-US", "voice": "Polly.Lupe-Neural"},
        {"type": "play", "url": "https://line.example.org/a.mp3"},
        {"type": "pause", "seconds": 2},
        {"type": "gather", "seconds": 6},
    ]
    waiting = outcome.waiting
    assert waiting is not None and waiting.kind == "key" and waiting.timeout == 6
    assert waiting.action == "https://line.example.org/voice/key?try=1"
    assert [v.tag for v in waiting.verbs_after()] == ["Hangup"]
    assert Waiting.from_json(waiting.as_json()) == waiting


def test_a_gather_without_action_posts_to_its_own_document() -> None:
    waiting = run(URL, verbs("<Gather/>")).waiting
    assert waiting is not None and (waiting.action, waiting.timeout) == (URL, 5)


def test_reject_refuses_the_call_with_its_reason() -> None:
    outcome = run(URL, verbs('<Reject reason="busy"/><Say>never</Say>'))
    assert [e.as_json() for e in outcome.events] == [{"type": "rejected", "reason": "busy"}]
    assert outcome.waiting is None and outcome.redirect is None


@pytest.mark.parametrize(
    "dial",
    [
        '<Dial callerId="+14135550100" action="done" timeout="20">+14135871249</Dial>',
        '<Dial callerId="+14135550100" action="done" timeout="20">'
        "<Number>+14135871249</Number></Dial>",
    ],
    ids=["number as text", "<Number>"],
)
def test_dial_reads_the_number_either_way_and_waits_for_the_transfer(dial: str) -> None:
    outcome = run(URL, verbs(dial))
    assert [e.as_json() for e in outcome.events] == [
        {"type": "dial", "number": "+14135871249", "caller_id": "+14135550100", "seconds": 20}
    ]
    assert outcome.waiting is not None and outcome.waiting.kind == "transfer"
    assert outcome.waiting.action == "https://line.example.org/voice/done"


def test_redirect_and_the_end_of_a_document() -> None:
    assert run(URL, verbs("<Redirect>/voice?try=2</Redirect>")).redirect == (
        "https://line.example.org/voice?try=2"
    )
    assert [e.kind for e in run(URL, verbs("<Say>bye</Say>")).events] == ["say", "end"]
    assert [e.kind for e in run(URL, verbs("<Hangup/>")).events] == ["hangup"]


def test_what_twilio_cannot_follow_is_an_error() -> None:
    assert run(URL, verbs("<Gather><Dial>1</Dial></Gather>")).events[0].kind == "error"
    assert run(URL, verbs("<Message>hi</Message>")).events[-1].kind == "error"
    with pytest.raises(EmulatorError):
        Waiting.from_json({"kind": "key", "url": URL})


def looping_app() -> Flask:
    app = Flask(__name__)

    @app.post("/voice")
    def voice() -> Response:
        marked = "yes" if request.environ.get(SIMULATED) else "no"
        return Response(
            f"<Response><Say>{marked}</Say><Redirect>/voice</Redirect></Response>",
            mimetype="text/xml",
        )

    @app.post("/sms")
    def sms() -> Response:
        return Response("<Response><Say>not a text</Say></Response>", mimetype="text/xml")

    return app


def test_a_redirect_loop_ends_the_call_instead_of_hanging() -> None:
    poster = SignedPoster.for_app(looping_app(), None, "https://x.invalid", simulated=True)
    call = Call(poster, "client:test", "+14135550100", raise_errors=False).start()
    assert call.ended and call.waiting is None
    assert call.documents == MAX_DOCUMENTS_PER_STEP
    assert call.step[-1].kind == "error" and "redirecting" in call.step[-1].text
    assert call.step[1].text == "yes", "the simulated mark reaches the app"
    with pytest.raises(EmulatorError, match="redirecting"):
        Call(poster, "client:test", "+14135550100").start()


def test_a_text_reply_must_hold_only_messages() -> None:
    poster = SignedPoster.for_app(looping_app(), None, "https://x.invalid")
    with pytest.raises(EmulatorError, match="<Say>"):
        SmsThread(poster, "+14135550123", "+14135550100").send("hi")
