"""Whole WhatsApp conversations through the real app, signed as Twilio signs them.

Twilio delivers WhatsApp messages to the same Messaging webhook as texts, with `From` and `To`
written `whatsapp:+…`. Twilio documents its conversation cookie for SMS only, so every
conversation here runs twice: with a cookie jar kept per pair, and with none at all.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from hotline import cli, create_app
from hotline.config import ConfigError
from hotline.services import services_of
from hotline.whatsapp import codes
from hotline.whatsapp.style import MAX_BODY
from tests.conftest import app_settings
from tests.sms_sim import Texter
from tests.test_preview import folders
from tests.twilio_sim import CANARY_CALLER, HOTLINE_NUMBER, parse_twiml, signed_post

WA_CANARY = "whatsapp:" + CANARY_CALLER
WA_HOTLINE = "whatsapp:" + HOTLINE_NUMBER
ABROAD = "whatsapp:+5511987654321"
STAFF_PASSWORD = "a quiet ferry lantern for whatsapp"
TAPPABLE_OFFICE = "+1 413-587-1249"
STOP_WORDS = ["STOP", "stop", "Stop!", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "PARAR"]
# The confirmation of STOP on WhatsApp: `sms: stopped` of each language that has one (not pt).
STOPPED = (
    "You will get no more messages from this line. In an emergency call 911.\n"
    "No recibirá más mensajes de esta línea. Emergencias: 911."
)
# The welcome, a menu, a message and HELP in each language of tests/fixtures/content.
GREETING = {"en": "hello", "es": "ES", "pt": "PT"}
WELCOME = {
    "en": "Northampton information line",
    "es": "Línea de información de Northampton",
    "pt": "Linha de informação de Northampton",
}
HELP_WORD = {"en": "HELP", "es": "AYUDA", "pt": "AJUDA"}
POLICE_ROLE = {
    "en": "Northampton police do not enforce civil immigration law.",
    "es": "La policía de Northampton no aplica la ley civil de inmigración.",
    "pt": "A polícia de Northampton não aplica a lei civil de imigração.",
}
LANGUAGE_KEY = {"en": "1", "es": "2", "pt": "3"}


class WhatsAppUser(Texter):
    """A WhatsApp user; `keeps_cookies=False` is Twilio without cookies for WhatsApp."""

    keeps_cookies: bool = True

    def send(self, body: str) -> WhatsAppUser:
        if not self.keeps_cookies:
            self.jar.cookies.clear()
        super().send(body)
        return self


@pytest.fixture(params=[True, False], ids=["with-cookies", "without-cookies"])
def user(request: pytest.FixtureRequest, app: Flask) -> Callable[..., WhatsAppUser]:
    def make(**kw: str) -> WhatsAppUser:
        person = WhatsAppUser(
            app.test_client(use_cookies=False),
            **{"number": WA_CANARY, "hotline": WA_HOTLINE, **kw},
        )
        person.keeps_cookies = request.param
        return person

    return make


def counts(app: Flask) -> dict[tuple[str, str, str], int]:
    metrics = services_of(app).metrics
    return {(c.channel, c.language, c.item): c.value for c in metrics.counts()}


def codes_in(text: str) -> dict[str, str]:
    """Option title -> the code shown before it ('321. Services' -> {'Services': '321'})."""
    return {title: code for code, title in re.findall(r"^(\d+)\. (.+)$", text, re.MULTILINE)}


# Whole conversations ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es", "pt"])
def test_a_whole_conversation_in_each_language(user, app, language):
    person = user()
    welcome = person.send(GREETING[language])
    assert len(welcome.replies) == 1
    assert welcome.text.startswith(WELCOME[language])
    assert "911" in welcome.text
    main = codes_in(welcome.text)
    key = LANGUAGE_KEY[language]
    assert sorted(main.values()) == [key + "1", key + "2"], "options carry their language's key"

    police = person.send(key + "1").text
    assert police.startswith("*"), "a menu's heading is in WhatsApp's bold"
    assert sorted(codes_in(police).values()) == [key + "11", key + "12"]

    message = person.send(key + "11").text
    heading, body = message.split("\n\n")[:2]
    assert re.fullmatch(r"\*[^*\n]+\*", heading), "a message's title is bold"
    assert body == POLICE_ROLE[language]

    helped = person.send(HELP_WORD[language]).text
    assert "911" in helped
    assert TAPPABLE_OFFICE in helped, "the office's number is tappable from any country"
    assert "413-587-1249" not in helped.replace(TAPPABLE_OFFICE, "")

    office = person.send(key + "0").text
    assert TAPPABLE_OFFICE in office

    assert person.send("STOP").text == STOPPED
    assert not person.jar.cookies
    usage = counts(app)
    assert usage[("whatsapp", language, "police-role")] >= 1
    assert usage[("whatsapp", "none", "stop")] == 1
    assert not any(channel == "sms" for channel, _, _ in usage)


def test_numbers_work_as_by_sms_when_twilio_keeps_the_cookie(app):
    person = WhatsAppUser(app.test_client(use_cookies=False), number=WA_CANARY, hotline=WA_HOTLINE)
    person.send("ES")
    assert person.jar.cookies, "the conversation is offered to Twilio's cookie as by SMS"
    assert person.send("1").text.startswith("*")
    assert person.send("1").text.split("\n\n")[1] == POLICE_ROLE["es"]
    back = person.send("ATRAS").text
    assert sorted(codes_in(back).values()) == ["211", "212"]


def test_a_code_needs_no_conversation(app):
    """Each reply names its language and place: a message from nowhere is understood."""
    person = WhatsAppUser(app.test_client(use_cookies=False), number=WA_CANARY, hotline=WA_HOTLINE)
    person.keeps_cookies = False
    for code, expected in [("311", POLICE_ROLE["pt"]), ("2 1 1", POLICE_ROLE["es"])]:
        assert person.send(code).text.split("\n\n")[1] == expected
    assert person.send("3.9").text.startswith("*"), "9 is the main menu's key, as on the phone"
    assert person.send("99").text.startswith(WELCOME["en"]), "not a code of this tree: welcome"


def test_sms_replies_are_unchanged_by_the_whatsapp_channel(app):
    texter = Texter(app.test_client(use_cookies=False))
    text = texter.send("hello").text
    assert "1. Police and immigration" in text
    assert "*" not in texter.send("1").text
    assert "+1 413" not in texter.send("HELP").text


# STOP, limits, replays, countries ---------------------------------------------------------


@pytest.mark.parametrize("word", STOP_WORDS)
def test_stop_ends_the_conversation_with_one_confirmation_in_each_language(user, word):
    person = user()
    person.send("ES")
    person.send("21")
    stopped = person.send(word)
    assert stopped.replies == [STOPPED], "one message; Twilio confirms SMS opt-outs, not these"
    assert not stopped.jar.cookies, "nothing of the conversation is kept"
    assert person.send("ES").text.startswith(WELCOME["es"]), "writing again starts again"


def test_without_a_stopped_sentence_stop_gets_no_reply(content_copy: Path) -> None:
    for code in ("en", "es"):
        file = content_copy / "messages" / f"{code}.yaml"
        kept = [line for line in file.read_text("utf-8").splitlines() if "stopped:" not in line]
        file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    app = create_app(app_settings(content_copy))
    person = WhatsAppUser(app.test_client(use_cookies=False), number=WA_CANARY, hotline=WA_HOTLINE)
    person.send("ES")
    stopped = person.send("STOP")
    assert stopped.replies == []
    assert not stopped.jar.cookies


def test_sms_stop_gets_no_reply_from_the_line_even_with_a_stopped_sentence(app: Flask) -> None:
    texter = Texter(app.test_client(use_cookies=False))
    texter.send("ES")
    assert texter.send("STOP").replies == [], "Twilio confirms SMS opt-outs itself"


def limited(**settings: str) -> Flask:
    return create_app(app_settings(**settings))


def test_a_whatsapp_sender_past_the_limit_gets_one_notice_then_silence():
    app = limited(HOTLINE_SMS_LIMIT="3/hour")
    person = WhatsAppUser(app.test_client(use_cookies=False), number=WA_CANARY, hotline=WA_HOTLINE)
    for body in ("hello", "11", "12"):
        assert person.send(body).replies
    notice = person.send("1").text
    assert "911" in notice and TAPPABLE_OFFICE in notice
    assert person.send("1").replies == []
    # The same number by SMS is a sender of another kind, with a count of its own.
    assert Texter(app.test_client(use_cookies=False)).send("hello").replies
    assert counts(app)[("whatsapp", "none", "sms-limited")] == 2


def test_a_replayed_whatsapp_message_gets_the_same_answer_and_counts_once():
    app = limited(HOTLINE_SMS_LIMIT="2/hour")
    client = app.test_client(use_cookies=False)

    def deliver(sid: str) -> bytes:
        params = {"MessageSid": sid, "From": WA_CANARY, "To": WA_HOTLINE, "Body": "311"}
        response = signed_post(client, "/sms", params)
        assert response.status_code == 200
        parse_twiml(response.data, {"Message"})
        return response.data

    first = deliver("SM" + "7" * 32)
    assert POLICE_ROLE["pt"].encode() in first
    for _ in range(3):
        assert deliver("SM" + "7" * 32) == first
    assert counts(app)[("whatsapp", "pt", "police-role")] == 1
    assert deliver("SM" + "8" * 32) == first, "replays were not counted against the limit"
    assert deliver("SM" + "9" * 32) != first, "the third message is past the limit"


def test_whatsapp_replies_abroad_by_default_but_sms_does_not(app):
    abroad = WhatsAppUser(app.test_client(use_cookies=False), number=ABROAD, hotline=WA_HOTLINE)
    assert abroad.send("PT").text.startswith(WELCOME["pt"])
    by_sms = Texter(app.test_client(use_cookies=False), number=ABROAD.removeprefix("whatsapp:"))
    assert by_sms.send("PT").replies == []


def test_a_sender_outside_the_whatsapp_allowlist_gets_no_reply():
    app = limited(HOTLINE_WHATSAPP_COUNTRIES="+1,+52")
    abroad = WhatsAppUser(app.test_client(use_cookies=False), number=ABROAD, hotline=WA_HOTLINE)
    assert abroad.send("PT").replies == []
    assert abroad.send("311").replies == []
    assert counts(app)[("whatsapp", "none", "sms-foreign")] == 2
    mexico = WhatsAppUser(
        app.test_client(use_cookies=False), number="whatsapp:+5215512345678", hotline=WA_HOTLINE
    )
    assert mexico.send("ES").text.startswith(WELCOME["es"])


def test_a_whatsapp_message_without_twilios_signature_is_refused(app):
    client = app.test_client()
    params = {"MessageSid": "SM" + "1" * 32, "From": WA_CANARY, "To": WA_HOTLINE, "Body": "hi"}
    assert client.post("/sms", data=params).status_code == 403
    wrong = signed_post(client, "/sms", params, token="not-the-token-0123456789abcdef")
    assert wrong.status_code == 403


# One message per reply, and the `whatsapp:` text -----------------------------------------


def with_portuguese_police_role_for_whatsapp(content: Path, text: str) -> Flask:
    """The app on `content`, whose pt police-role message has `text` as its `whatsapp:` text."""
    pt = content / "messages" / "pt.yaml"
    written = pt.read_text(encoding="utf-8")
    pt.write_text(
        re.sub(r"(\n  police-role:\n)", rf'\1    whatsapp: "{text}"\n', written, count=1),
        encoding="utf-8",
    )
    return create_app(app_settings(content))


def test_a_long_reply_is_one_message_up_to_twilios_limit(content_copy: Path):
    # Non-GSM text: by SMS this would be many segments; WhatsApp has none.
    long_text = "Ação é pública, não há custo. " * 40
    assert 160 < len(long_text) < MAX_BODY
    app = with_portuguese_police_role_for_whatsapp(content_copy, long_text.strip())
    person = WhatsAppUser(app.test_client(use_cookies=False), number=WA_CANARY, hotline=WA_HOTLINE)
    reply = person.send("311")
    assert len(reply.replies) == 1
    assert long_text.strip() in reply.text
    by_sms = Texter(app.test_client(use_cookies=False))
    by_sms.send("PT")
    by_sms.send("1")
    assert by_sms.send("1").text.startswith(POLICE_ROLE["pt"]), "SMS keeps its own text"


def test_a_reply_longer_than_twilios_limit_is_cut_where_a_reader_pauses(content_copy: Path):
    sentence = "A polícia não pergunta sobre status migratório no trabalho de rotina. "
    long_text = sentence * 30
    assert len(long_text) > MAX_BODY
    app = with_portuguese_police_role_for_whatsapp(content_copy, long_text.strip())
    person = WhatsAppUser(app.test_client(use_cookies=False), number=WA_CANARY, hotline=WA_HOTLINE)
    replies = person.send("311").replies
    assert len(replies) > 1
    assert all(len(reply) <= MAX_BODY for reply in replies)
    assert all(reply.endswith((".", "*")) for reply in replies), "cut at the end of a sentence"
    assert long_text.strip() == " ".join(r for r in replies if r.startswith(sentence[:20]))
    check = CliRunner().invoke(cli.main, ["check", *folders(content_copy)])
    assert (
        f"the whatsapp text of message 'police-role' has {len(long_text.strip())} " in check.output
    )
    assert "pt.yaml" in check.output


# hotline preview text --channel whatsapp --------------------------------------------------


def test_preview_shows_the_conversation_as_whatsapp_does():
    result = CliRunner().invoke(
        cli.main,
        ["preview", "text", *folders(), "--channel", "whatsapp", "--lang", "pt", "31", "AJUDA"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "> PT"
    assert re.fullmatch(r"< \d+ characters, one WhatsApp message:", lines[1])
    assert "  31. A polícia e a imigração" in lines
    police = lines.index("> 31")
    assert lines[police + 2].startswith("  *"), "the heading in WhatsApp's bold"
    assert any(TAPPABLE_OFFICE in line for line in lines[lines.index("> AJUDA") :])
    assert "segment" not in result.output


# The console's text simulator -------------------------------------------------------------


def test_the_console_simulates_whatsapp_beside_sms():
    app = create_app(app_settings(HOTLINE_STAFF_PASSWORD=STAFF_PASSWORD))
    client = app.test_client()
    auth = {
        "Authorization": "Basic " + base64.b64encode(f"staff:{STAFF_PASSWORD}".encode()).decode()
    }

    def send(body: str, state: dict[str, str]) -> dict:
        response = client.post("/staff/api/text", json={"body": body, **state}, headers=auth)
        assert response.status_code == 200, response.data
        data = response.get_json()
        state.update(cookie=data["cookie"], texter=data["texter"])
        return data

    whatsapp = {"cookie": "", "texter": "", "channel": "whatsapp"}
    (welcome,) = send("PT", whatsapp)["replies"]
    assert welcome["channel"] == "whatsapp" and welcome["characters"] == len(welcome["text"])
    assert "31. A polícia e a imigração" in welcome["text"]
    assert not whatsapp["texter"].startswith("whatsapp:"), "the console keeps the bare number"
    (police,) = send("311", whatsapp)["replies"]
    assert police["text"].startswith("*")
    assert [reply["text"] for reply in send("STOP", whatsapp)["replies"]] == [STOPPED]

    sms = {"cookie": "", "texter": "", "channel": "sms"}
    (by_sms,) = send("PT", sms)["replies"]
    assert by_sms["channel"] == "sms" and by_sms["segments"] >= 1
    assert "1. A polícia e a imigração" in by_sms["text"]

    wrong = client.post(
        "/staff/api/text", json={"body": "hi", "cookie": "", "channel": "fax"}, headers=auth
    )
    assert wrong.status_code == 400


# The shipped line: what Meta and Twilio see, said to WhatsApp users --------------------------


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "Meta (the company that owns WhatsApp) and Twilio"),
        ("es", "Meta (la empresa dueña de WhatsApp) y Twilio"),
        ("pt", "a Meta (a empresa dona do WhatsApp) e a Twilio"),
    ],
)
def test_the_privacy_message_tells_whatsapp_users_what_meta_and_twilio_see(
    shipped_app, language, says
):
    content = services_of(shipped_app).store.content
    key = next(o.key for o in content.menus["main"].options if o.target == "about-line")
    about = codes.code_for(content, language, ("main",), key)
    person = WhatsAppUser(
        shipped_app.test_client(use_cookies=False), number=WA_CANARY, hotline=WA_HOTLINE
    )
    person.keeps_cookies = False
    reply = person.send(about).text
    assert says in reply
    texter = Texter(shipped_app.test_client(use_cookies=False))
    texter.send(language.upper())
    assert "Meta" not in texter.send(key).text, "SMS keeps its own text"


@pytest.mark.parametrize("value", ["55", "+1,brazil", ","])
def test_a_wrong_whatsapp_country_list_says_how_to_fix_it(value):
    with pytest.raises(ConfigError) as raised:
        create_app(app_settings(HOTLINE_WHATSAPP_COUNTRIES=value))
    message = str(raised.value)
    assert f"HOTLINE_WHATSAPP_COUNTRIES is '{value}'" in message
    assert "such as +1 or +1,+52, or 'any' for every country" in message


@pytest.mark.parametrize("value", ["any", "ALL", " * "])
def test_any_country_may_be_written_in_several_ways(value):
    app = create_app(app_settings(HOTLINE_WHATSAPP_COUNTRIES=value))
    abroad = WhatsAppUser(app.test_client(use_cookies=False), number=ABROAD, hotline=WA_HOTLINE)
    assert abroad.send("PT").text.startswith(WELCOME["pt"])


@pytest.mark.parametrize("body", ["2026", "4135551234", "٣١", "3x1", "311 please", "3"])
def test_what_is_not_a_code_is_read_as_words(app, body):
    person = WhatsAppUser(app.test_client(use_cookies=False), number=WA_CANARY, hotline=WA_HOTLINE)
    assert person.send(body).text.startswith(WELCOME["en"]), "a first message: the welcome"
