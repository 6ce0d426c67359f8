"""Whole text conversations on the test tree, signed as Twilio signs, cookies kept per pair."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from hotline import create_app
from hotline.safe_twiml import LAST_RESORT_SMS
from hotline.sms.render import SmsRenderer
from hotline.sms.session import COOKIE_NAME, Conversation, ConversationCookies
from tests.conftest import app_settings
from tests.sms_sim import Texter
from tests.twilio_sim import CANARY_CALLER, HOTLINE_NUMBER, parse_twiml, sign, signed_post

EN_WELCOME = "Northampton information line"
ES_WELCOME = "Línea de información de Northampton"
PT_WELCOME = "Linha de informação de Northampton"
WELCOME = {"en": EN_WELCOME, "es": ES_WELCOME, "pt": PT_WELCOME}
NAVIGATION = {
    "en": "Reply with a number. MENU: main menu.",
    "es": "Responda con un número. MENU: menú principal.",
    "pt": "Responda com um número. MENU: menu principal.",
}
MESSAGE_TEXTS = {
    ("en", "police-role"): "Northampton police do not enforce civil immigration law.",
    ("en", "police-status"): "Police do not ask about immigration status in routine policing.",
    ("en", "services"): "City services are open to everyone. Call 413-587-1249.",
    ("es", "police-role"): "La policía de Northampton no aplica la ley civil de inmigración.",
    ("es", "police-status"): "La policía no pregunta por el estatus migratorio en su trabajo",
    ("es", "services"): "Los servicios de la ciudad son para todos. Llame al 413-587-1249.",
    ("pt", "police-role"): "A polícia de Northampton não aplica a lei civil de imigração.",
    ("pt", "police-status"): "A polícia não pergunta sobre status migratório",
    ("pt", "services"): "Os serviços da cidade são para todos. Ligue para 413-587-1249.",
}
# Keys from the main menu to each message of tests/fixtures/content.
KEYS_TO = {"police-role": "11", "police-status": "12", "services": "2"}
LANGUAGE_WORDS = {
    "en": ["EN", "ENGLISH", "INGLES", "INGLÊS"],
    "es": ["ES", "ESPAÑOL", "ESPANOL", "SPANISH"],
    "pt": ["PT", "PORTUGUÊS", "PORTUGUES", "PORTUGUESE"],
}
STOP_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]


@pytest.fixture
def texter(app: Flask) -> Callable[..., Texter]:
    return lambda **kw: Texter(app.test_client(use_cookies=False), **kw)


def started(texter: Callable[..., Texter], language: str = "en") -> Texter:
    conversation = texter().send("hello")
    if language != "en":
        conversation.send(language.upper())
    return conversation


# The first message ------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["hello", "", "1", "9", "BACK", "😀", "what is this?"])
def test_first_message_gets_the_welcome_whatever_it_says(texter, body):
    reply = texter().send(body)
    assert len(reply.replies) == 1
    text = reply.text
    assert text.startswith(EN_WELCOME)
    assert "In an emergency call 911." in text
    assert "1. Police and immigration\n2. City services" in text
    assert text.endswith("Español: ES\nPortuguês: PT")
    assert reply.jar.cookies, "the conversation is kept in Twilio's cookie"


@pytest.mark.parametrize(
    ("code", "word"), [(code, word) for code, words in LANGUAGE_WORDS.items() for word in words]
)
def test_a_first_message_that_names_a_language_gets_the_welcome_in_it(texter, code, word):
    for variant in (word, word.lower(), f"  {word.title()}! "):
        text = texter().send(variant).text
        assert text.startswith(WELCOME[code]), variant
        switches = "\n".join(text.splitlines()[-2:])  # one line per other language
        others = [lang for lang in LANGUAGE_WORDS if lang != code]
        for other in others:
            assert f": {other.upper()}" in switches
        assert f": {code.upper()}" not in switches


def test_a_first_message_in_words_of_one_language_is_answered_in_it(texter):
    help_es = texter().send("ayuda").text
    assert help_es.startswith("Línea de información de la ciudad") and "413-587-1249" in help_es
    office_pt = texter().send("Gabinete").text
    # The 911 line first (this tree has no sms emergency line, so the welcome's), then the office.
    assert office_pt.startswith(PT_WELCOME) and "413-587-1249" in office_pt
    # MENU is a word of every language: no way to tell, so the default language.
    assert texter().send("menu").text.startswith(EN_WELCOME)


# Switching language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "word"), [(code, word) for code, words in LANGUAGE_WORDS.items() for word in words]
)
def test_every_language_word_switches_from_every_other_language(texter, code, word):
    for start in LANGUAGE_WORDS:
        if start == code:
            continue
        conversation = started(texter, start)
        assert conversation.text.startswith(WELCOME[start])
        assert conversation.send(word).text.startswith(WELCOME[code])
        # The choice is remembered: the next number is answered in the new language.
        assert MESSAGE_TEXTS[(code, "services")] in conversation.send("2").text


def test_switching_language_keeps_the_place_in_the_tree(texter):
    conversation = started(texter)
    conversation.send("1").send("1")
    assert MESSAGE_TEXTS[("en", "police-role")] in conversation.text
    conversation.send("español")
    assert conversation.text.startswith(MESSAGE_TEXTS[("es", "police-role")])
    conversation.send("atrás")
    assert conversation.text.startswith("La policía y la inmigración\n\n1. Lo que hace la policía")


# Numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["en", "es", "pt"])
@pytest.mark.parametrize("message_id", sorted(KEYS_TO))
def test_every_message_is_reached_by_numbers_in_every_language(texter, code, message_id):
    conversation = started(texter, code)
    for key in KEYS_TO[message_id]:
        conversation.send(key)
    assert conversation.text.startswith(MESSAGE_TEXTS[(code, message_id)])
    assert NAVIGATION[code] in conversation.text


def test_a_submenu_is_numbered_again_with_navigation(texter):
    text = started(texter).send("1").text
    assert text == (
        "Police and immigration.\n\n1. What the police do\n2. Questions about status\n\n"
        "Reply with a number. MENU: main menu. BACK: go back. HELP: help."
    )


def test_after_a_message_a_number_chooses_from_the_menu_above_it(texter):
    conversation = started(texter).send("1").send("1")
    assert MESSAGE_TEXTS[("en", "police-role")] in conversation.text
    assert MESSAGE_TEXTS[("en", "police-status")] in conversation.send("2").text


@pytest.mark.parametrize("body", ["7", "12", "1 2", "1-2", "one", "x"])
def test_anything_else_says_sorry_and_shows_the_current_menu(texter, body):
    conversation = started(texter).send("1")
    text = conversation.send(body).text
    assert text.startswith("Sorry, I did not understand.\n\nPolice and immigration.\n\n1. What")
    assert MESSAGE_TEXTS[("en", "police-role")] in conversation.send("1").text


def test_phone_navigation_keys_work_by_text_too(texter):
    conversation = started(texter).send("1").send("2")
    assert conversation.send("#").text.startswith("Police and immigration.")
    assert conversation.send("*").text.startswith("Police and immigration.")
    assert conversation.send("9").text.startswith("Main menu.\n\n1. Police and immigration")


# Words ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "menu", "back", "help_word", "help_start"),
    [
        ("en", "Menu", "back", "Help", "City of Northampton information line."),
        ("en", "start over", "BACK", "info", "City of Northampton information line."),
        ("es", "menú", "atras", "AYUDA", "Línea de información de la ciudad de Northampton."),
        ("es", "inicio", "Volver", "ayuda", "Línea de información de la ciudad de Northampton."),
        ("pt", "início", "voltar", "ajuda", "Linha de informação da cidade de Northampton."),
    ],
)
def test_menu_back_and_help_words(texter, code, menu, back, help_word, help_start):
    conversation = started(texter, code)
    conversation.send("1").send("2")
    assert conversation.text.startswith(MESSAGE_TEXTS[(code, "police-status")])
    after_back = conversation.send(back).text
    assert "\n\n1. " in after_back and "2. " in after_back
    assert MESSAGE_TEXTS[(code, "police-role")] in conversation.send("1").text
    help_text = conversation.send(help_word).text
    assert help_text.startswith(help_start)
    for needed in ("413-587-1249", "mayor@northamptonma.gov", "911", "STOP"):
        assert needed in help_text
    # Help does not move the texter: the numbers of the last menu still work.
    assert MESSAGE_TEXTS[(code, "police-status")] in conversation.send("2").text
    main = conversation.send(menu).text
    assert "2. " in main and MESSAGE_TEXTS[(code, "services")] in conversation.send("2").text


def test_back_at_the_main_menu_stays_there(texter):
    text = started(texter).send("BACK").text
    assert text.startswith("Main menu.\n\n1. Police and immigration")


@pytest.mark.parametrize(
    ("code", "body", "expected"),
    [
        ("en", "police", "Police and immigration.\n\n1. What the police do"),
        ("en", "Police!", "Police and immigration.\n\n1. What the police do"),
        ("en", "ICE", MESSAGE_TEXTS[("en", "police-role")]),
        # Topic words of another language open the topic in the texter's own language.
        ("es", "ice", MESSAGE_TEXTS[("es", "police-role")]),
        ("pt", "POLICE", "A polícia e a imigração\n\n1. O que a polícia faz"),
    ],
)
def test_topic_words_open_their_topic(texter, code, body, expected):
    conversation = started(texter, code)
    assert conversation.send(body).text.startswith(expected)
    assert (
        "BACK" in conversation.text or "ATRAS" in conversation.text or "VOLTAR" in conversation.text
    )


@pytest.mark.parametrize(("code", "body"), [("en", "0"), ("en", "mayor"), ("es", "Oficina")])
def test_office_gives_number_and_email(texter, code, body):
    conversation = started(texter, code).send("1")
    text = conversation.send(body).text
    assert "413-587-1249" in text and "mayor@northamptonma.gov" in text
    assert NAVIGATION[code] in text
    assert MESSAGE_TEXTS[(code, "police-role")] in conversation.send("1").text


# STOP and START ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word", [*STOP_WORDS, "stop", "Stop.", " optout ", "PARAR", "Pare", "detener", "sair", "Baja"]
)
def test_stop_words_get_an_empty_reply_and_forget_the_conversation(texter, word):
    conversation = started(texter, "es").send("1")
    conversation.send(word)
    assert conversation.replies == []
    assert conversation.jar.cookies == {}, "the cookie is deleted"
    # Twilio confirms the opt-out itself; if the texter writes again, they start afresh.
    assert conversation.send("1").text.startswith(EN_WELCOME)


def test_stop_as_a_first_message_gets_an_empty_reply(texter):
    conversation = texter().send("STOP")
    assert conversation.replies == [] and conversation.jar.cookies == {}


@pytest.mark.parametrize("word", ["START", "unstop", "Start"])
def test_start_words_give_the_welcome_in_the_texters_language(texter, word):
    conversation = started(texter, "pt").send("1")
    assert conversation.send(word).text.startswith(PT_WELCOME)
    assert MESSAGE_TEXTS[("pt", "services")] in conversation.send("2").text


# Whatever arrives ---------------------------------------------------------------------------

GARBAGE = [
    "",
    "   \n\t ",
    "😀🙏🏽👨‍👩‍👧",
    "x" * 5000,
    "Hola. " * 900,
    "<Response><Dial>+15555550100</Dial></Response>",
    "]]> & &amp; <!-- \" ' <Message>",
    "\x00\x01\x02\x08\x0b\x0c\x1b\x1f\x7f",
    "مرحبا، أريد المساعدة",
    "\u202eES\u202c",
    "שלום",
    "{office_phone} {0} %s {{",
    "1; DROP TABLE conversations",
    "\uff11",  # a full-width 1
    "\u0661",  # an Arabic-Indic 1
]


@pytest.mark.parametrize("body", GARBAGE)
@pytest.mark.parametrize("when", ["first", "later"])
def test_any_body_gets_valid_twiml_with_only_messages(texter, body, when):
    conversation = texter() if when == "first" else started(texter).send("1")
    conversation.send(body)  # the driver checks status, XML, verbs and lengths
    assert conversation.replies
    if body.strip() and len(body.strip()) > 3:
        assert body.strip() not in conversation.text, "a texter's words are never echoed"


def test_the_body_is_never_echoed(texter):
    canary = "CANARY-7f3a9"
    conversation = texter().send(canary)
    assert canary not in conversation.text
    assert canary not in conversation.send(canary).text


# The cookie ----------------------------------------------------------------------------------


def _cookies(app: Flask, clock: Callable[[], float] | None = None) -> ConversationCookies:
    """The app's cookie signer (its secret), optionally on a clock of the test's own."""
    assert isinstance(app.secret_key, str)
    return ConversationCookies(app.secret_key, clock=clock or time.time)


def test_the_cookie_holds_only_language_and_place(app, texter):
    conversation = started(texter, "es").send("1")
    cookie = conversation.jar.cookies[COOKIE_NAME]
    assert _cookies(app).loads(cookie) == ["es", "main", "police"]
    for private in (CANARY_CALLER, HOTLINE_NUMBER, CANARY_CALLER.lstrip("+")):
        assert private not in cookie
    # No MessageSid either (the signature's random letters may well contain "SM" by chance).
    assert not re.search(r"SM[0-9a-f]{32}", cookie)


def test_the_cookie_lasts_four_hours_and_only_goes_to_the_sms_webhook(app):
    client = app.test_client(use_cookies=False)
    response = signed_post(client, "/sms", {"Body": "hi", "From": CANARY_CALLER})
    header = response.headers["Set-Cookie"]
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", header).group(1))
    lifetime = expires - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=3, minutes=59) < lifetime <= dt.timedelta(hours=4)
    assert "Path=/sms" in header and "HttpOnly" in header and "Secure" in header


def test_a_conversation_moves_between_two_instances_without_losing_its_place():
    first, second = create_app(app_settings()), create_app(app_settings())
    conversation = Texter(first.test_client(use_cookies=False)).send("hi").send("PT")
    conversation.send("1")
    conversation.client = second.test_client(use_cookies=False)
    assert conversation.send("2").text.startswith(MESSAGE_TEXTS[("pt", "police-status")])
    conversation.client = first.test_client(use_cookies=False)
    assert conversation.send("voltar").text.startswith("A polícia e a imigração")


def test_a_cookie_signed_with_another_secret_is_ignored():
    other = create_app(app_settings(HOTLINE_SECRET_KEY="another-secret-" + "z" * 40))
    conversation = Texter(other.test_client(use_cookies=False)).send("hi").send("ES").send("1")
    conversation.client = create_app(app_settings()).test_client(use_cookies=False)
    assert conversation.send("1").text.startswith(EN_WELCOME)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),
        lambda c: c.replace(c.split(".")[0], c.split(".")[0][::-1], 1),
        lambda c: "garbage",
        lambda c: "",
        lambda c: "." * 4000,
    ],
)
def test_a_tampered_cookie_is_ignored(texter, tamper):
    conversation = started(texter, "es").send("1")
    conversation.jar.cookies[COOKIE_NAME] = tamper(conversation.jar.cookies[COOKIE_NAME])
    assert conversation.send("2").text.startswith(EN_WELCOME)


@pytest.mark.parametrize(
    ("age_seconds", "kept"),
    [(0, True), (4 * 3600 - 60, True), (4 * 3600 + 60, False), (-60, True), (-3600, False)],
)
def test_a_cookie_counts_for_four_hours_from_when_it_was_written(app, texter, age_seconds, kept):
    written_at = time.time() - age_seconds
    cookie = _cookies(app, clock=lambda: written_at).value(Conversation("es", ("main", "police")))
    conversation = texter()
    conversation.jar.cookies[COOKIE_NAME] = cookie
    reply = conversation.send("2").text
    if kept:
        assert reply.startswith(MESSAGE_TEXTS[("es", "police-status")])
    else:
        assert reply.startswith(EN_WELCOME)


def test_after_the_key_changes_open_conversations_go_on():
    old_key = app_settings()["HOTLINE_SECRET_KEY"]
    before = create_app(app_settings())
    conversation = Texter(before.test_client(use_cookies=False)).send("hi").send("PT").send("1")
    new_key = "the-new-secret-key-after-rotation-" + "n" * 20
    after = create_app(app_settings(HOTLINE_SECRET_KEY=new_key, HOTLINE_OLD_SECRET_KEYS=old_key))
    conversation.client = after.test_client(use_cookies=False)
    assert conversation.send("2").text.startswith(MESSAGE_TEXTS[("pt", "police-status")])
    # The reply's cookie is signed with the new key alone: the old key no longer reads it.
    cookie = conversation.jar.cookies[COOKIE_NAME]
    assert ConversationCookies(old_key).loads(cookie) is None
    assert ConversationCookies(new_key).loads(cookie) == ["pt", "main", "police", "police-status"]


def test_a_cookie_in_the_first_cookie_format_is_ignored(app, texter):
    """Versions up to December 2026 wrote v1.<payload>.<written>.<mac> with their own HMAC."""
    secret = app_settings()["HOTLINE_SECRET_KEY"]
    key = hmac.new(secret.encode(), b"hotline sms cookie v1", hashlib.sha256).digest()
    payload = base64.urlsafe_b64encode(b'["es","main","police"]').rstrip(b"=").decode()
    body = f"v1.{payload}.{int(time.time())}"
    mac = base64.urlsafe_b64encode(hmac.new(key, body.encode(), hashlib.sha256).digest())
    conversation = texter()
    conversation.jar.cookies[COOKIE_NAME] = f"{body}.{mac.rstrip(b'=').decode()}"
    assert conversation.send("2").text.startswith(EN_WELCOME)


def test_a_cookie_in_flask_s_session_format_is_ignored(app, texter):
    """Versions up to November 2026 kept the conversation in Flask's session cookie."""
    old = URLSafeTimedSerializer(app.secret_key, salt="cookie-session")
    conversation = texter()
    conversation.jar.cookies[COOKIE_NAME] = old.dumps({"lang": "es", "trail": ["main", "police"]})
    assert conversation.send("2").text.startswith(EN_WELCOME)


def test_a_cookie_whose_place_left_the_tree_starts_at_the_main_menu(app, texter):
    cookies = _cookies(app)
    conversation = texter()
    conversation.jar.cookies[COOKIE_NAME] = cookies.value(Conversation("es", ("main", "gone")))
    assert MESSAGE_TEXTS[("es", "services")] in conversation.send("2").text
    conversation.jar.cookies[COOKIE_NAME] = cookies.value(Conversation("xx", ("main",)))
    assert conversation.send("2").text.startswith(EN_WELCOME)


# Signatures -------------------------------------------------------------------------------------


def test_requests_without_a_valid_signature_are_refused(app):
    client = app.test_client(use_cookies=False)
    params = {"Body": "hi", "From": CANARY_CALLER, "To": HOTLINE_NUMBER}
    assert client.post("/sms", data=params).status_code == 403
    bad = client.post("/sms", data=params, headers={"X-Twilio-Signature": "bm90IGl0"})
    assert bad.status_code == 403
    assert signed_post(client, "/sms", params, token="another-token").status_code == 403
    assert signed_post(client, "/sms/fallback", params, token="another-token").status_code == 403
    # Signed over other parameters than those posted.
    signature = sign("https://hotline.example.org/sms", params)
    changed = {**params, "Body": "changed"}
    response = client.post("/sms", data=changed, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_the_fallback_url_sends_the_static_message(app):
    response = signed_post(app.test_client(), "/sms/fallback", {"Body": "hi"})
    assert response.data.decode() == LAST_RESORT_SMS
    root = parse_twiml(response.data, {"Message"})
    assert "911" in (root[0].text or "") and "413-587-1249" in (root[0].text or "")


# Faults ------------------------------------------------------------------------------------------


def test_a_fault_gets_the_safe_message_in_the_texters_language(texter, monkeypatch):
    conversation = started(texter, "es")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(SmsRenderer, "reply", broken)
    text = conversation.send("1").text
    assert text.startswith("Línea de información de la ciudad de Northampton.")
    assert "911" in text and "413-587-1249" in text
    monkeypatch.undo()
    # The conversation is where it was before the fault.
    assert MESSAGE_TEXTS[("es", "services")] in conversation.send("2").text


def test_when_even_the_safe_message_fails_the_static_one_is_sent(app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(SmsRenderer, "reply", broken)
    monkeypatch.setattr(SmsRenderer, "safe_reply", broken)
    response = signed_post(app.test_client(), "/sms", {"Body": "hi", "From": CANARY_CALLER})
    assert response.status_code == 200
    assert response.data.decode() == LAST_RESORT_SMS


def test_nothing_about_the_texter_is_logged(texter, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    body = "my-private-words-0451"
    conversation = started(texter)
    conversation.send(body).send("1")
    monkeypatch.setattr(SmsRenderer, "reply", lambda *a: 1 / 0)
    conversation.send(body)
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "the SMS webhook failed at /sms" in logged
    for private in (body, CANARY_CALLER, CANARY_CALLER.lstrip("+"), "SM555"):
        assert private not in logged
