"""Whole calls through the voice webhooks, followed the way Twilio follows TwiML."""

from __future__ import annotations

import datetime as dt
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline import create_app
from hotline.config import ConfigError
from hotline.services import services_of
from hotline.voice import views
from hotline.wording import fill, voice_values
from tests.conftest import app_settings
from tests.twilio_sim import (
    CANARY_CALLER,
    HOTLINE_NUMBER,
    PUBLIC_URL,
    Call,
    parse_twiml,
    sign,
    signed_post,
)

VOICES = {
    "en": ("en-US", "Polly.Joanna-Neural"),
    "es": ("es-US", "Polly.Lupe-Neural"),
    "pt": ("pt-BR", "Polly.Camila-Neural"),
}
LANGUAGE_KEYS = {"en": "1", "es": "2", "pt": "3"}


def in_language(call: Call, code: str) -> Call:
    return call.start().press(LANGUAGE_KEYS[code])


def assert_all_in(call: Call, code: str) -> None:
    for heard in call.heard:
        if not heard.played:
            assert (heard.language, heard.voice) == VOICES[code], heard


def test_greeting_offers_each_language_in_its_voice_then_the_emergency_notice(call):
    c = call().start()
    said = [(h.text, h.language, h.voice) for h in c.heard]
    assert said == [
        ("For English, press 1.", *VOICES["en"]),
        ("Para español, oprima 2.", *VOICES["es"]),
        ("Para português, pressione 3.", *VOICES["pt"]),
        # Last, so no caller waits through it in a language not theirs: each hears it next in
        # their own language.
        ("If this is an emergency, hang up and dial 9 1 1.", *VOICES["en"]),
    ]
    gather = c.pending_gather
    assert gather is not None
    assert len(gather.findall("Say")) == 4  # a key press cuts any of it short
    assert gather.get("numDigits") == "1"
    assert gather.get("finishOnKey") == ""
    assert gather.get("action", "").startswith("/voice/language")


EMERGENCY = {
    "en": "If this is an emergency, hang up and dial 9 1 1.",
    "es": "Si es una emergencia, cuelgue y marque 9 1 1.",
    "pt": "Se for uma emergência, desligue e ligue para 9 1 1.",
}


@pytest.mark.parametrize("code", ["en", "es", "pt"])
def test_choosing_a_language_gives_911_in_it_first_then_the_main_menu(call, code):
    c = in_language(call(), code)
    assert_all_in(c, code)
    assert c.heard[0].text == EMERGENCY[code]
    assert len(c.heard) == 4  # 911, the office, the options, then the navigation hint
    gather = c.pending_gather
    assert gather is not None
    assert gather.get("action") == f"/voice/key/{code}/main?try=1"
    assert len(gather.findall("Say")) == 4  # all of it can be skipped with a key


def test_main_menu_offers_the_office_first_then_the_options(call):
    c = in_language(call(), "en")
    assert c.text == (
        "If this is an emergency, hang up and dial 9 1 1. To reach the Mayor's office, press 0. "
        "Main menu. For police and immigration, press 1. For city services, press 2. "
        "To hear this again, press star."
    )


def test_walk_to_a_message_then_repeat_back_and_main_menu(call):
    c = in_language(call(), "en").press("1")
    assert "For what the police do, press 1." in c.text
    assert "For the main menu, press 9." in c.text
    c.press("1")
    assert c.heard[0].text == "Northampton police do not enforce civil immigration law."
    assert "To go back, press pound." in c.text
    c.press("*")
    assert c.heard[0].text == "Northampton police do not enforce civil immigration law."
    c.press("#")
    assert c.text.startswith("Police and immigration. For what the police do, press 1.")
    c.press("2").press("9")
    assert c.text.startswith("To reach the Mayor's office, press 0. Main menu.")
    assert "9 1 1" not in c.text  # said once, after the language choice


@pytest.mark.parametrize("code", ["es", "pt"])
def test_a_message_in_spanish_and_portuguese(call, code):
    c = in_language(call(), code).press("1").press("2")
    assert_all_in(c, code)
    expected = {
        "es": "La policía no pregunta por el estatus migratorio en su trabajo diario.",
        "pt": "A polícia não pergunta sobre status migratório no trabalho de rotina.",
    }
    assert c.heard[0].text == expected[code]


def test_placeholders_are_spoken_digit_by_digit(call):
    c = in_language(call(), "en").press("2")
    assert c.heard[0].text == "City services are open to everyone. Call 4 1 3, 5 8 7, 1 2 4 9."


def test_a_key_that_is_not_an_option_says_so_and_repeats_the_menu(call):
    c = in_language(call(), "en").press("7")
    assert c.heard[0].text == "Sorry, that is not an option."
    assert c.heard[2].text.startswith("Main menu. For police and immigration, press 1.")
    assert c.pending_gather is not None


def test_garbage_digits_are_treated_as_not_an_option(call):
    c = in_language(call(), "en")
    c.post(c.pending_gather.get("action"), {"Digits": "<x>&"})
    assert c.heard[0].text == "Sorry, that is not an option."


def test_wrong_keys_end_after_the_configured_tries_with_the_office_number(call):
    c = in_language(call(), "en").press("7").press("7")
    assert c.pending_gather is not None
    c.press("7")
    assert c.ended
    assert "4 1 3, 5 8 7, 1 2 4 9" in c.text
    assert "mayor at northamptonma dot gov" in c.text


def test_silence_repeats_the_menu_then_says_goodbye_with_the_office_number(call):
    c = in_language(call(), "es")
    menu = c.text.removeprefix(EMERGENCY["es"] + " ")
    c.silence()
    assert c.text == menu  # asked a second time
    c.silence()
    assert c.text == menu  # and a third, the configured number of tries
    assert not c.ended
    c.silence()
    assert c.ended
    assert len(c.heard) == 1
    assert c.heard[0].text.startswith("No escuchamos ninguna opción.")
    assert "4 1 3, 5 8 7, 1 2 4 9" in c.heard[0].text
    assert_all_in(c, "es")
    assert [verb.tag for verb in c.document][-2:] == ["Say", "Hangup"]


def test_silence_at_the_greeting_also_ends_after_three_tries(call):
    c = call().start()
    c.silence().silence()
    assert not c.ended
    c.silence()
    assert c.ended
    assert c.documents == 3
    assert "4 1 3, 5 8 7, 1 2 4 9" in c.text


def test_silence_after_a_message_does_not_replay_the_whole_message(call):
    c = in_language(call(), "en").press("1").press("1")
    message = c.heard[0].text
    c.silence()
    assert message not in c.text
    assert c.text.startswith("To hear this again, press star.")


@pytest.mark.parametrize("at", [(), ("1",), ("1", "2")])
def test_zero_anywhere_gives_the_office_then_zero_again_dials_it(call, at):
    c = in_language(call(), "pt")
    for key in at:
        c.press(key)
    c.press("0")
    assert c.heard[0].text == (
        "Para falar agora com o gabinete, digite 0 de novo. Ou ligue para 4 1 3, 5 8 7, "
        "1 2 4 9, ou escreva para mayor arroba northamptonma ponto gov."
    )
    assert c.pending_dial is None and c.pending_gather is not None
    c.press("0")
    assert [h.text for h in c.heard] == [
        "Vamos transferir você para o gabinete da prefeita.",
        "O gabinete não verá o seu número.",
    ]
    dial = c.pending_dial
    assert dial is not None
    assert dial.text == "+14135871249"
    assert dial.get("callerId") == HOTLINE_NUMBER
    assert CANARY_CALLER not in ET.tostring(c.document, encoding="unicode")
    assert dial.get("action", "").startswith("/voice/office-result/pt/main")


@pytest.mark.parametrize("status", ["busy", "no-answer", "failed", "canceled"])
def test_office_busy_or_no_answer_gives_number_and_email_then_the_menu(call, status):
    c = in_language(call(), "en").press("1").press("0").press("0").dial_ends(status)
    assert c.heard[0].text == (
        "The Mayor's office could not take your call. You can call them at 4 1 3, 5 8 7, "
        "1 2 4 9, or email mayor at northamptonma dot gov."
    )
    assert c.heard[1].text.startswith("Police and immigration.")  # back where they were
    assert c.pending_gather is not None


def test_after_a_busy_office_a_message_is_not_read_again(call):
    c = in_language(call(), "en").press("1").press("1").press("0").press("0").dial_ends("busy")
    assert c.heard[0].text.startswith("The Mayor's office could not take your call.")
    assert c.heard[1].text.startswith("To hear this again, press star.")
    assert "police do not enforce" not in c.text
    assert c.pending_gather is not None


def test_after_a_completed_transfer_the_call_ends_politely(call):
    c = in_language(call(), "en").press("0").press("0").dial_ends("completed")
    assert c.text == "Thank you for calling. Goodbye."
    assert c.ended


def test_without_the_hotline_number_the_caller_id_is_never_the_callers(client):
    c = Call(client, hotline="")
    in_language(c, "en").press("0").press("0")
    assert c.pending_dial is None
    assert c.heard[0].text.startswith("The Mayor's office could not take your call.")


def _with_settings(content: Path, old: str, new: str) -> Flask:
    settings = content / "menus" / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    assert old in text
    settings.write_text(text.replace(old, new), encoding="utf-8")
    return create_app(app_settings(content))


def test_show_caller_number_setting_leaves_out_the_caller_id(content_copy):
    app = _with_settings(content_copy, "show_caller_number: false", "show_caller_number: true")
    c = in_language(Call(app.test_client()), "en").press("0").press("0")
    assert c.pending_dial is not None
    assert c.pending_dial.get("callerId") is None
    # The caller's number is shown, so the line says nothing about hiding it.
    assert [h.text for h in c.heard] == ["Connecting you to the Mayor's office."]


OFFICE_HOURS = """  hours:
    timezone: America/New_York
    monday: "09:00-17:00"
    tuesday: "09:00-17:00"
"""


@pytest.mark.parametrize(
    ("now", "open_"),
    [
        (dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC), True),  # Monday 10:00 in Northampton
        (dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC), False),  # Monday 18:00
        (dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC), False),  # Wednesday: closed all day
    ],
)
def test_office_hours_decide_between_transfer_and_hours(content_copy, monkeypatch, now, open_):
    app = _with_settings(
        content_copy, "  dial_timeout: 20\n", "  dial_timeout: 20\n" + OFFICE_HOURS
    )
    monkeypatch.setattr(views, "_now", lambda: now)
    c = in_language(Call(app.test_client()), "en").press("0").press("0")
    if open_:
        assert c.pending_dial is not None
    else:
        assert c.pending_dial is None
        assert c.heard[0].text.startswith("The Mayor's office is closed now.")
        assert c.heard[1].text.startswith("It is open Monday to Friday")
        assert "mayor at northamptonma dot gov" in c.heard[0].text
        assert c.pending_gather is not None  # the menu again, not a dead end


def test_a_message_with_a_recording_is_played(content_copy):
    es = content_copy / "messages" / "es.yaml"
    text = es.read_text(encoding="utf-8")
    es.write_text(
        text.replace(
            "    title: lo que hace la policía\n",
            "    title: lo que hace la policía\n"
            "    recording: https://example.org/es/police-role.mp3\n",
        ),
        encoding="utf-8",
    )
    app = create_app(app_settings(content_copy))
    c = in_language(Call(app.test_client()), "es").press("1").press("1")
    assert c.heard[0].played
    assert c.heard[0].text == "https://example.org/es/police-role.mp3"
    c = in_language(Call(app.test_client()), "en").press("1").press("1")
    assert not c.heard[0].played  # other languages still speak their text


def _all_trails(app: Flask) -> list[tuple[str, ...]]:
    content = services_of(app).store.content
    trails, todo = [], [("main",)]
    while todo:
        trail = todo.pop()
        trails.append(trail)
        menu = content.menus.get(trail[-1])
        for option in menu.options if menu else ():
            todo.append((*trail, option.target))
    return trails


def _every_key_everywhere(app: Flask) -> int:
    client = app.test_client()
    content = services_of(app).store.content
    checked = 0
    for language in content.languages:
        for trail in _all_trails(app):
            path = "/".join(trail)
            for key in "0123456789*#":
                response = signed_post(
                    client,
                    f"/voice/key/{language.code}/{path}?try=1",
                    {"Digits": key, "To": HOTLINE_NUMBER, "From": CANARY_CALLER},
                )
                assert response.status_code == 200
                root = parse_twiml(response.data)
                for say in root.iter("Say"):
                    expected = (language.twilio_language, language.voice)
                    assert (say.get("language"), say.get("voice")) == expected
                assert len(root) > 0
                checked += 1
    return checked


def test_every_key_at_every_menu_in_every_language_is_valid_twiml(app):
    assert _every_key_everywhere(app) == 3 * 5 * 12


def test_every_key_everywhere_in_the_shipped_content(shipped_app):
    assert _every_key_everywhere(shipped_app) > 0


def test_every_message_of_the_shipped_tree_is_reachable_by_keys(shipped_app):
    content = services_of(shipped_app).store.content
    for language in content.languages:
        for trail in _all_trails(shipped_app):
            if trail[-1] not in content.messages:
                continue
            c = in_language(Call(shipped_app.test_client()), language.code)
            for parent, child in itertools.pairwise(trail):
                menu = content.menus[parent]
                c.press(next(o.key for o in menu.options if o.target == child))
            text = content.translations[language.code].messages[trail[-1]]
            if text.recording:
                assert c.heard[0].played and c.heard[0].text == text.recording
            else:
                spoken = fill(text.voice, voice_values(content, language.code))
                assert c.heard[0].text == spoken


@pytest.mark.parametrize(
    "url",
    [
        "/voice",
        "/voice/language?try=1",
        "/voice/node/en/main",
        "/voice/key/en/main?try=1",
        "/voice/office-result/en/main",
        "/voice/fallback",
        "/voice/anything/else",
    ],
)
def test_missing_wrong_or_misdirected_signatures_are_refused(client, url):
    params = {"Digits": "1", "From": CANARY_CALLER, "To": HOTLINE_NUMBER}
    assert client.post(url, data=params).status_code == 403
    wrong_token = signed_post(client, url, params, token="not-the-token")
    assert wrong_token.status_code == 403
    other_url = client.post(
        url,
        data=params,
        headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/voice/elsewhere", params)},
    )
    assert other_url.status_code == 403
    tampered = dict(params, Digits="0")
    response = client.post(
        url, data=tampered, headers={"X-Twilio-Signature": sign(PUBLIC_URL + url, params)}
    )
    assert response.status_code == 403
    assert signed_post(client, url, params).status_code == 200


def test_signature_is_checked_against_the_public_url_behind_a_proxy(client):
    params = {"Digits": "1"}
    local = client.post(
        "/voice",
        data=params,
        headers={"X-Twilio-Signature": sign("http://localhost/voice", params)},
    )
    assert local.status_code == 403


def test_the_app_refuses_to_start_without_the_auth_token():
    settings = app_settings()
    del settings["TWILIO_AUTH_TOKEN"]
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        create_app({**settings, "TWILIO_AUTH_TOKEN": ""})


def test_dev_mode_runs_without_the_token_and_accepts_unsigned_requests():
    app = create_app({**app_settings(), "TWILIO_AUTH_TOKEN": "", "HOTLINE_DEV": "1"})
    response = app.test_client().post("/voice")
    assert response.status_code == 200
    parse_twiml(response.data)


def test_dev_mode_with_a_token_still_checks_signatures():
    app = create_app({**app_settings(), "HOTLINE_DEV": "1"})
    assert app.test_client().post("/voice").status_code == 403


@pytest.mark.parametrize("method", ["node", "key_press", "greeting", "office_result"])
def test_a_failing_handler_still_gives_the_911_notice_and_the_office(
    app, monkeypatch, caplog, method
):
    from hotline.voice.twiml import VoiceRenderer

    def broken(*args, **kwargs):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(VoiceRenderer, method, broken)
    client = app.test_client()
    url = {
        "node": "/voice/node/es/main",
        "key_press": "/voice/key/es/main?try=1",
        "greeting": "/voice",
        "office_result": "/voice/office-result/es/main",
    }[method]
    response = signed_post(
        client, url, {"Digits": "1", "To": HOTLINE_NUMBER, "From": CANARY_CALLER}
    )
    assert response.status_code == 200
    root = parse_twiml(response.data)
    says = [say.text for say in root.iter("Say")]
    expected_language = "es-US" if method != "greeting" else "en-US"
    assert {say.get("language") for say in root.iter("Say")} == {expected_language}
    assert "9 1 1" in says[0]
    assert "4 1 3, 5 8 7, 1 2 4 9" in says[1]
    dial = root.find("Dial")
    assert dial is not None and dial.text == "+14135871249"
    assert dial.get("callerId") == HOTLINE_NUMBER
    assert "simulated fault" in caplog.text
    assert CANARY_CALLER not in caplog.text


def test_when_even_the_safe_message_fails_the_static_document_is_sent(app, monkeypatch):
    from hotline.voice.twiml import VoiceRenderer

    def broken(*args, **kwargs):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(VoiceRenderer, "greeting", broken)
    monkeypatch.setattr(VoiceRenderer, "safe_reply", broken)
    response = signed_post(app.test_client(), "/voice", {})
    root = parse_twiml(response.data)
    assert "9 1 1" in root.find("Say").text


def test_fallback_document_is_served_and_matches_the_static_file(client):
    static = Path(views.__file__).resolve().parent.parent / "static" / "fallback-voice.xml"
    response = signed_post(client, "/voice/fallback", {})
    assert response.data.decode() == static.read_text(encoding="utf-8")
    root = parse_twiml(response.data)
    languages = [say.get("language") for say in root.iter("Say")]
    assert languages == ["en-US", "es-US", "pt-BR"]
    assert all("9 1 1" in say.text and "4 1 3, 5 8 7" in say.text for say in root.iter("Say"))


def test_an_address_from_an_older_version_starts_the_call_again(call):
    c = call()
    c.post("/voice/somewhere/removed")
    assert c.heard[0].text == "For English, press 1."


def test_a_place_removed_from_the_tree_falls_back_to_the_main_menu(call):
    c = call()
    c.post("/voice/node/en/main/no-such-menu")
    assert c.heard[1].text.startswith("Main menu.")
    c.post("/voice/key/es/main/police/no-such?try=1", {"Digits": "1"})
    assert c.heard[1].text.startswith("Menú principal.")


def test_an_unknown_language_returns_to_the_greeting(call):
    c = call()
    c.post("/voice/node/xx/main")
    assert c.heard[0].text == "For English, press 1."


def test_action_urls_are_relative_and_carry_nothing_about_the_caller(call):
    c = in_language(call(), "en").press("1")
    document = ET.tostring(c.document, encoding="unicode")
    for element in c.document.iter():
        for url in (element.get("action"), element.text if element.tag == "Redirect" else None):
            if url:
                assert url.startswith("/voice/")
    assert CANARY_CALLER.lstrip("+") not in document
    assert "CA" + "c" * 32 not in document


def test_healthz_reports_the_content_version(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["content_version"] == services_of(app).store.content.version


def test_a_spoken_greeting_is_the_only_multilingual_document(call: Callable[[], Call]):
    c = in_language(call(), "es").press("1").press("1").press("0").press("0").dial_ends("busy")
    assert_all_in(c, "es")


def test_a_hung_up_gather_with_no_digits_asks_again(client: FlaskClient):
    response = signed_post(client, "/voice/key/en/main?try=1", {"To": HOTLINE_NUMBER})
    root = parse_twiml(response.data)
    assert root.find("Gather").get("action") == "/voice/key/en/main?try=2"
