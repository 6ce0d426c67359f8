"""What a resident hears and reads first, through signed requests on the shipped content."""

from __future__ import annotations

import pytest
from flask import Flask

from hotline.services import services_of
from hotline.sms.segments import sms_size
from tests.sms_sim import Texter
from tests.twilio_sim import Call

EMERGENCY_LINE = {
    "en": "In an emergency, call 911.",
    "es": "Emergencias: 911.",
    "pt": "Emergência: 911.",
}
KEY = {"en": "1", "es": "2", "pt": "3"}


@pytest.mark.parametrize("code", ["en", "es", "pt"])
def test_a_key_after_a_message_picks_from_the_menu_above_by_voice(shipped_app: Flask, code) -> None:
    content = services_of(shipped_app).store.content
    call = Call(shipped_app.test_client()).start().press(KEY[code]).press("1").press("1")
    status = content.translations[code].messages["police-status"].voice
    assert call.heard[0].text == status
    call.press("2")  # the police menu's option 2, without going back first
    detainers = content.translations[code].messages["police-detainers"].voice
    assert call.heard[0].text == detainers
    assert call.pending_gather is not None
    assert len(call.pending_gather.findall("Say")) == 2  # the message and the hint: skippable


@pytest.mark.parametrize(
    ("code", "word", "starts"),
    [
        ("en", "SCHOOL", "Schools, city programs"),
        ("es", "escuela", "Escuelas, programas"),
        ("pt", "escola", "Escolas, programas"),
        ("en", "MAYOR", "Mayor's office: 413-587-1249"),
        ("es", "ALCALDESA", "Oficina de la alcaldesa: 413-587-1249"),
    ],
)
def test_a_first_text_that_asks_is_answered_after_the_911_line(
    shipped_app: Flask, code, word, starts
) -> None:
    reply = Texter(shipped_app.test_client()).send(word)
    first, answer = reply.text.split("\n\n")[:2]
    assert first == EMERGENCY_LINE[code]
    assert answer.startswith(starts)
    assert "MENU" in reply.text.split("\n\n")[-1]  # how to see the menu comes last
    assert all(sms_size(body).segments <= 3 for body in reply.replies)


@pytest.mark.parametrize("code", ["en", "es", "pt"])
def test_help_as_a_first_text_gives_the_office_number_and_email(shipped_app: Flask, code) -> None:
    word = {"en": "HELP", "es": "AYUDA", "pt": "AJUDA"}[code]
    text = Texter(shipped_app.test_client()).send(word).text
    assert "413-587-1249" in text and "mayor@northamptonma.gov" in text and "911" in text


def test_every_english_reply_of_a_conversation_is_gsm7(shipped_app: Flask) -> None:
    texter = Texter(shipped_app.test_client())
    for body in ("hello", "1", "1", "2", "HELP", "0", "MENU", "3", "1"):
        texter.send(body)
        assert all(sms_size(text).encoding == "GSM-7" for text in texter.replies), body
