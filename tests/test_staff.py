"""The staff console's password, simulators and views, through the Flask test client."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hotline import create_app
from hotline.config import ConfigError
from hotline.content.load import load_content
from hotline.content.store import ContentStore
from hotline.services import services_of
from hotline.sms.segments import sms_size
from hotline.staff import inprocess
from hotline.staff.text import FICTIONAL_TEXTER
from tests.conftest import FIXTURE_CONTENT, app_settings
from tests.sms_sim import Texter
from tests.twilio_sim import Call

PASSWORD = "plum-harbor-violet-kettle"
HOTLINE = "+14135550100"
OFFICE = "+14135871249"


def staff_app(content: Path = FIXTURE_CONTENT, **extra: str) -> Flask:
    return create_app(app_settings(content, **{"HOTLINE_STAFF_PASSWORD": PASSWORD, **extra}))


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Console:
    """A staff member's browser: every request carries the password."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.headers = basic("staff", PASSWORD)

    def get(self, path: str) -> TestResponse:
        return self.client.get(path, headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> TestResponse:
        return self.client.post(path, json=body, headers=self.headers)

    def ok(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.get(path) if body is None else self.post(path, body)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()


class SimulatedCall:
    """Drives /staff/api/call/* as the page's script does, keeping only the returned state."""

    def __init__(self, console: Console, to: str = HOTLINE) -> None:
        self.console = console
        self.to = to
        self.state: str | None = None
        self.step: dict[str, Any] = {}
        # A draft's edits, sent with every step as the page sends them; none tries the line.
        self.edits: list[dict[str, Any]] = []

    def _do(self, action: str, **extra: str) -> SimulatedCall:
        body = {"to": self.to, "state": self.state or "", "edits": self.edits, **extra}
        self.step = self.console.ok(f"/staff/api/call/{action}", body)
        assert not [e for e in self.step["events"] if e["type"] == "error"], self.step
        self.state = self.step["state"]
        return self

    def start(self) -> SimulatedCall:
        return self._do("start")

    def press(self, key: str) -> SimulatedCall:
        return self._do("press", key=key)

    def silence(self) -> SimulatedCall:
        return self._do("silence")

    def transfer_ends(self, status: str) -> SimulatedCall:
        return self._do("transfer-ends", status=status)

    def said(self) -> list[dict[str, Any]]:
        return [e for e in self.step["events"] if e["type"] == "say"]

    @property
    def text(self) -> str:
        return " ".join(e["text"] for e in self.said())

    def kinds(self) -> list[str]:
        return [e["type"] for e in self.step["events"]]


@pytest.fixture
def console() -> Console:
    return Console(staff_app())


# Switched on, and locked -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/staff/", "/staff/api/map", "/staff/static/staff.js"])
def test_the_console_is_off_without_a_password(path: str) -> None:
    client = create_app(app_settings()).test_client()
    assert client.get(path, headers=basic("staff", PASSWORD)).status_code == 404


def test_a_short_password_is_refused_at_start() -> None:
    with pytest.raises(ConfigError, match="HOTLINE_STAFF_PASSWORD has 5 characters"):
        staff_app(HOTLINE_STAFF_PASSWORD="short")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("staff", "wrong-password-entirely"),
        basic("staff", ""),
        basic(PASSWORD, "staff"),
        basic("staff", PASSWORD[:-1]),
        {"Authorization": f"Bearer {PASSWORD}"},
    ],
    ids=["none", "wrong", "empty", "swapped", "prefix", "bearer"],
)
@pytest.mark.parametrize(
    "path", ["/staff/", "/staff/api/problems", "/staff/source/menus/tree.yaml"]
)
def test_without_the_password_staff_are_asked_for_it(path: str, headers: dict[str, str]) -> None:
    response = staff_app().test_client().get(path, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="')
    assert "Phone simulator" not in response.get_data(as_text=True)


@pytest.mark.parametrize("user", ["staff", "", "anyone at all"])
def test_any_user_name_with_the_password_gets_in(user: str) -> None:
    response = staff_app().test_client().get("/staff/", headers=basic(user, PASSWORD))
    assert response.status_code == 200
    assert "Phone simulator" in response.get_data(as_text=True)


def test_an_unauthenticated_post_is_refused_before_anything_runs() -> None:
    client = staff_app().test_client()
    assert client.post("/staff/api/call/start", json={}).status_code == 401


def test_posts_that_a_form_on_another_site_could_make_are_refused(console: Console) -> None:
    response = console.client.post(
        "/staff/api/text", data={"body": "hi", "cookie": ""}, headers=console.headers
    )
    assert response.status_code == 415


def test_pages_are_not_cached_framed_or_given_outside_scripts(console: Console) -> None:
    response = console.get("/staff/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src" not in policy.replace("default-src", "")  # scripts only from 'self'


# Phone simulator --------------------------------------------------------------------------------


def test_a_simulated_call_hears_the_greeting_in_every_language(console: Console) -> None:
    call = SimulatedCall(console).start()
    assert [(e["language"], e["voice"]) for e in call.said()] == [
        ("en-US", "Polly.Joanna-Neural"),
        ("es-US", "Polly.Lupe-Neural"),
        ("pt-BR", "Polly.Camila-Neural"),
        ("en-US", "Polly.Joanna-Neural"),
    ]
    assert call.said()[-1]["text"] == "If this is an emergency, hang up and dial 9 1 1."
    assert call.step["waiting"] == "key"
    assert call.kinds()[-1] == "gather"
    assert call.step["events"][0] == {"type": "fetch", "url": "/voice"}


def test_keys_walk_the_tree_in_the_chosen_language(console: Console) -> None:
    call = SimulatedCall(console).start().press("2")
    assert {e["language"] for e in call.said()} == {"es-US"}
    assert call.text.startswith("Si es una emergencia, cuelgue y marque 9 1 1.")
    assert "Menú principal. Para la policía y la inmigración, oprima 1." in call.text
    call.press("1").press("1")
    assert call.said()[0]["text"] == (
        "La policía de Northampton no aplica la ley civil de inmigración."
    )
    assert call.step["events"][1] == {"type": "fetch", "url": "/voice/key/es/main/police?try=1"}
    call.press("#")
    assert call.text.startswith("Para lo que hace la policía, oprima 1.")
    call.press("9")
    assert call.text.startswith("Para hablar con la oficina de la alcaldesa, oprima 0. Menú")


def test_each_step_of_a_call_says_where_the_caller_is_with_its_source_and_review(
    console: Console,
) -> None:
    content = console.app.extensions["hotline"].store.content
    call = SimulatedCall(console).start()
    assert call.step["heard"] is None  # the greeting: no place in the tree yet

    call.press("2")
    assert call.step["heard"]["id"] == "main"
    assert call.step["heard"]["kind"] == "menu"
    assert call.step["heard"]["language"] == "es"

    call.press("1").press("1")
    place = call.step["heard"]
    spanish = content.translations["es"]
    (source, citation) = content.cited("police-role")[0]
    assert (place["id"], place["kind"], place["trail"]) == (
        "police-role",
        "message",
        ["main", "police", "police-role"],
    )
    assert place["title"] == spanish.messages["police-role"].title
    assert place["review"] == spanish.messages["police-role"].review
    assert place["language_review"] == spanish.review
    assert place["source"] == content.messages["police-role"].source
    assert place["cited"] == [
        {"citation": str(citation), "title": source.title, "text": source.text(citation)}
    ]

    call.press("0")
    assert call.step["heard"]["kind"] == "office"


def test_a_draft_call_says_where_the_caller_is_in_the_draft(console: Console) -> None:
    call = SimulatedCall(console)
    call.edits = [
        {
            "file": "messages/en.yaml",
            "path": ["messages", "police-role", "title"],
            "value": "what the police do, as drafted",
        }
    ]
    call.start().press("1").press("1").press("1")
    assert call.step["heard"]["id"] == "police-role"
    assert call.step["heard"]["title"] == "what the police do, as drafted"


def test_each_text_reply_says_where_the_conversation_is(console: Console) -> None:
    state = {"cookie": "", "texter": ""}
    assert send(console, "hello", state)["heard"]["id"] == "main"
    send(console, "1", state)
    replied = send(console, "1", state)
    assert (replied["heard"]["id"], replied["heard"]["kind"]) == ("police-role", "message")
    assert replied["heard"]["cited"]
    assert send(console, "STOP", state)["heard"] is None


def test_silence_asks_again_then_says_goodbye_and_hangs_up(console: Console) -> None:
    call = SimulatedCall(console).start().press("3")
    first = call.text
    call.silence()
    assert call.step["events"][0] == {"type": "silence", "seconds": 6}
    assert first.endswith(call.text)  # the menu again, without the 911 line before it
    call.silence()
    assert call.step["waiting"] == "key"
    call.silence()
    assert call.text.endswith("Tchau.")
    assert call.kinds()[-1] == "hangup"
    assert call.step["waiting"] is None
    assert call.state is None


def test_a_transfer_shows_the_office_number_and_the_hotline_as_caller_id(console: Console) -> None:
    call = SimulatedCall(console).start().press("1").press("0").press("0")
    assert call.text == (
        "Connecting you to the Mayor's office. The office will not see your phone number."
    )
    dial = call.step["events"][-1]
    assert dial == {"type": "dial", "number": OFFICE, "caller_id": HOTLINE, "seconds": 20}
    assert call.step["waiting"] == "transfer"

    call.transfer_ends("completed")
    assert call.text == "Thank you for calling. Goodbye."
    assert call.kinds()[-1] == "hangup"


def test_an_unanswered_transfer_goes_back_to_the_menu(console: Console) -> None:
    call = SimulatedCall(console).start().press("1").press("0").press("0")
    call.transfer_ends("no-answer")
    assert call.text.startswith("The Mayor's office could not take your call.")
    assert call.step["waiting"] == "key"
    assert "Main menu." in call.text


def test_without_the_hotline_number_the_callers_own_is_never_shown(console: Console) -> None:
    call = SimulatedCall(console, to="").start().press("1").press("0").press("0")
    assert "dial" not in call.kinds()
    assert call.text.startswith("The Mayor's office could not take your call.")


def test_recordings_are_given_to_the_page_to_play() -> None:
    content = Path(__file__).parent / "fixtures" / "recorded-language"
    call = SimulatedCall(Console(staff_app(content))).start()
    played = [e["url"] for e in call.step["events"] if e["type"] == "play"]
    assert "https://recordings.example.org/ht/choose-language.mp3" in played


@pytest.mark.parametrize("key", ["", "12", "a", "+", 5, None])
def test_only_phone_keys_can_be_pressed(console: Console, key: Any) -> None:
    call = SimulatedCall(console).start()
    response = console.post("/staff/api/call/press", {"state": call.state, "key": key})
    assert response.status_code == 400


def test_a_tampered_call_state_is_refused(console: Console) -> None:
    call = SimulatedCall(console).start()
    assert call.state is not None
    forged = call.state[:-3] + ("AAA" if not call.state.endswith("AAA") else "BBB")
    response = console.post("/staff/api/call/press", {"state": forged, "key": "1"})
    assert response.status_code == 400
    assert "not made by this server" in response.get_json()["error"]


def test_a_call_waiting_for_a_key_cannot_end_a_transfer(console: Console) -> None:
    call = SimulatedCall(console).start()
    response = console.post(
        "/staff/api/call/transfer-ends", {"state": call.state, "status": "completed"}
    )
    assert response.status_code == 400


def test_simulated_requests_carry_a_signature_the_webhooks_check(console: Console) -> None:
    app = console.app
    settings = services_of(app).settings
    url = settings.public_url + "/voice"
    params = {"CallSid": "CA" + "1" * 32, "To": HOTLINE}
    forged_settings = dataclasses.replace(settings, auth_token="not-the-token")
    good = inprocess.poster(app, settings, "http://localhost/").post(url, params)
    forged = inprocess.poster(app, forged_settings, "http://localhost/").post(url, params)
    assert good.status_code == 200
    assert forged.status_code == 403


@pytest.mark.parametrize(
    "extra",
    [
        {"HOTLINE_PUBLIC_URL": ""},
        {"TWILIO_AUTH_TOKEN": "", "HOTLINE_DEV": "1"},
    ],
    ids=["no public url: signed over this server's address", "dev mode without a token"],
)
def test_the_simulator_works_however_the_line_is_configured(extra: dict[str, str]) -> None:
    call = SimulatedCall(Console(staff_app(**extra))).start().press("2")
    assert "Menú principal." in call.text


# Text simulator ---------------------------------------------------------------------------------


def send(console: Console, body: str, state: dict[str, str]) -> dict[str, Any]:
    data = console.ok("/staff/api/text", {"body": body, "to": HOTLINE, **state})
    state.update(cookie=data["cookie"], texter=data["texter"])
    return data


def test_a_simulated_text_conversation_with_segment_counts(console: Console) -> None:
    state = {"cookie": "", "texter": ""}
    welcome = send(console, "hello", state)
    (reply,) = welcome["replies"]
    assert reply["text"].startswith("Northampton information line")
    size = sms_size(reply["text"])
    assert (reply["segments"], reply["encoding"], reply["units"]) == (
        size.segments,
        size.encoding,
        size.units,
    )
    assert state["cookie"]
    assert FICTIONAL_TEXTER.match(state["texter"])

    spanish = send(console, "español", state)
    assert spanish["replies"][0]["text"].startswith("Línea de información de Northampton")
    assert spanish["replies"][0]["encoding"] == "UCS-2"

    services = send(console, "2", state)
    assert services["replies"][0]["text"].startswith("Los servicios de la ciudad son para todos.")


def test_stop_gets_no_reply_and_forgets_the_conversation(console: Console) -> None:
    state = {"cookie": "", "texter": ""}
    send(console, "ES", state)
    stopped = send(console, "STOP", state)
    assert stopped["replies"] == []
    assert stopped["cookie"] == ""


def test_a_real_looking_number_is_never_sent_as_the_texter(console: Console) -> None:
    data = send(console, "hi", {"cookie": "", "texter": "+14135551234"})
    assert data["texter"] != "+14135551234"
    assert FICTIONAL_TEXTER.match(data["texter"])


@pytest.mark.parametrize("cookie", ["a; other=1", "a\r\nX-Injected: 1", "é", 7])
def test_a_cookie_the_webhook_could_not_have_set_is_refused(console: Console, cookie: Any) -> None:
    response = console.post("/staff/api/text", {"body": "hi", "cookie": cookie})
    assert response.status_code == 400


# Map, problems, sources, usage ------------------------------------------------------------------


def nodes(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {tree["id"]: tree}
    for child in tree["children"]:
        found |= nodes(child)
    return found


def test_the_map_has_every_node_in_every_language_with_file_and_line(console: Console) -> None:
    data = console.ok("/staff/api/map")
    store: ContentStore = services_of(console.app).store
    assert [lang["code"] for lang in data["languages"]] == ["en", "es", "pt"]
    spanish = nodes(data["languages"][1]["tree"])
    assert set(spanish) == {"main", "police", "police-role", "police-status", "services"}
    role = spanish["police-role"]
    assert role["title"] == "lo que hace la policía"
    assert role["key"] == "1"
    assert (role["tree_file"], role["tree_line"]) == (
        "menus/tree.yaml",
        store.content.messages["police-role"].line,
    )
    assert (role["text_file"], role["text_line"]) == ("messages/es.yaml", 32)
    assert role["review"] == "draft"
    assert not role["missing"]
    assert 'n_police_role("lo que hace la policía")' in data["languages"][1]["mermaid"]


def test_each_message_shows_its_source_passage_and_review_state(console: Console) -> None:
    content = console.app.extensions["hotline"].store.content
    (source, citation) = content.cited("police-role")[0]
    for language in console.ok("/staff/api/map")["languages"]:
        node = nodes(language["tree"])["police-role"]
        assert node["source"] == content.messages["police-role"].source
        assert node["cited"] == [
            {"citation": str(citation), "title": source.title, "text": source.text(citation)}
        ]
        assert node["cited"][0]["text"].strip()
        translation = content.translations[language["code"]]
        assert node["review"] == translation.messages["police-role"].review
        assert node["edit"]["file"] == f"messages/{language['code']}.yaml"
        assert [f["name"] for f in node["edit"]["fields"]] == ["title", "voice", "text"]


def test_the_map_has_the_tree_picture_coloured_by_use(console: Console) -> None:
    from hotline.treesvg import tree_svg, usage_by_item

    Call(console.app.test_client()).start().press("2").press("1")
    metrics = console.app.extensions["hotline"].metrics
    content = console.app.extensions["hotline"].store.content
    today = dt.date.fromisoformat(metrics.today())
    (spanish,) = [
        lang for lang in console.ok("/staff/api/map")["languages"] if lang["code"] == "es"
    ]
    usage = usage_by_item(metrics.counts(), today, "es")
    assert usage, "the call was counted"
    assert spanish["svg"] == tree_svg(content, "es", usage)


def test_a_warning_is_shown_on_the_node_it_is_about(content_copy: Path) -> None:
    es = content_copy / "messages" / "es.yaml"
    es.write_text(
        es.read_text(encoding="utf-8").replace(
            "    title: lo que hace la policía\n",
            "    title: lo que hace la policía\n    tittle: typo\n",
        ),
        encoding="utf-8",
    )
    data = Console(staff_app(content_copy)).ok("/staff/api/map")
    spanish = nodes(data["languages"][1]["tree"])
    (problem,) = spanish["police-role"]["problems"]
    assert problem["severity"] == "warning"
    assert "unknown field 'tittle'" in problem["message"]
    assert (problem["file"], problem["line"], problem["link"]) == (
        "messages/es.yaml",
        34,
        "messages/es.yaml",
    )
    assert spanish["police-status"]["problems"] == []
    assert nodes(data["languages"][0]["tree"])["police-role"]["problems"] == []


def test_problems_list_what_hotline_check_finds(console: Console) -> None:
    store: ContentStore = services_of(console.app).store
    data = console.ok("/staff/api/problems")
    checked = load_content(
        store.menus_dir, store.messages_dir, store.menus_dir.parent, store.sources_dir
    )
    expected = [(p.file, p.line, p.message) for p in checked.problems.sorted()]
    assert expected, "the fixture content is expected to have a warning"
    assert [(p["file"], p["line"], p["message"]) for p in data["problems"]] == expected
    # The server loaded it without the advice; the console still lists it, as the check does.
    served = {(p.file, p.line, p.message) for p in store.problems.sorted()}
    assert served < set(expected)
    assert data["version"] == store.content.version
    assert data["rejected"] is None


def test_a_broken_edit_shows_as_rejected_with_its_problem(content_copy: Path) -> None:
    console = Console(staff_app(content_copy, HOTLINE_RELOAD_SECONDS="0"))
    served = console.ok("/staff/api/problems")["version"]
    tree = content_copy / "menus" / "tree.yaml"
    tree.write_text(
        tree.read_text(encoding="utf-8").replace("2: services", "2: servics"), encoding="utf-8"
    )
    settled = time.time() - 5
    os.utime(tree, (settled, settled))

    data = console.ok("/staff/api/problems")
    assert data["version"] == served
    rejected = data["rejected"]
    assert rejected["errors"] >= 1
    errors = [p for p in rejected["problems"] if p["severity"] == "error"]
    assert any(
        p["file"] == "menus/tree.yaml" and p["line"] == 5 and "servics" in p["message"]
        for p in errors
    ), errors


def test_a_content_file_is_shown_with_line_anchors(console: Console) -> None:
    page = console.get("/staff/source/menus/tree.yaml").get_data(as_text=True)
    assert 'id="L5"' in page
    assert "2: services" in page


@pytest.mark.parametrize(
    "name",
    [
        "menus/../../hotline/config.py",
        "menus/.hidden.yaml",
        "menus/nothing.yaml",
        "other/tree.yaml",
        "messages/en.yaml/extra",
        "menus/",
    ],
)
def test_nothing_but_content_files_can_be_shown(console: Console, name: str) -> None:
    assert console.get(f"/staff/source/{name}").status_code == 404


def test_usage_reads_the_same_counts_as_metrics(console: Console) -> None:
    metrics = services_of(console.app).metrics
    for channel, language, item in [
        ("voice", "es", "police-role"),
        ("voice", "es", "police-role"),
        ("sms", "en", "services"),
    ]:
        metrics.count(channel, language, item)
    series = console.ok("/staff/api/usage")["series"]
    assert series["topic"] == [
        {"label": "what the police do (police-role)", "count": 2},
        {"label": "city services (services)", "count": 1},
    ]
    assert series["channel"] == [{"label": "voice", "count": 2}, {"label": "sms", "count": 1}]
    assert series["language"] == [{"label": "es", "count": 2}, {"label": "en", "count": 1}]
    assert [row["count"] for row in series["day"]] == [3]


def test_staff_trying_the_line_are_not_counted_as_residents(console: Console) -> None:
    metrics = services_of(console.app).metrics
    SimulatedCall(console).start().press("2").press("1")
    send(console, "hello", {"cookie": "", "texter": ""})
    assert metrics.counts() == []

    Call(console.app.test_client()).start().press("2")
    assert {(c.channel, c.language, c.item) for c in metrics.counts()} >= {("voice", "es", "main")}


def test_simulations_never_spend_the_lines_limits() -> None:
    console = Console(
        staff_app(
            HOTLINE_SMS_LIMIT="1/hour",
            HOTLINE_SMS_GLOBAL_LIMIT="2/hour",
            HOTLINE_CALL_LIMIT="1/hour",
        )
    )
    state = {"cookie": "", "texter": ""}
    # A training session well past every limit (simulations have limits of their own).
    for body in ["hello", "1", "2", "MENU", "ES"]:
        assert send(console, body, {"cookie": "", "texter": ""})["replies"]
        send(console, body, state)
    for _ in range(3):
        SimulatedCall(console).start()
    # A resident still has the whole allowance the training session did not spend.
    first = Texter(console.app.test_client(), number="+14135550123")
    second = Texter(console.app.test_client(), number="+14135550124")
    assert first.send("hello").text.startswith("Northampton information line")
    assert second.send("hello").text.startswith("Northampton information line")
    assert Call(console.app.test_client()).start().pending_gather is not None


def test_nothing_the_console_shows_holds_a_number_or_a_message(console: Console) -> None:
    SimulatedCall(console).start().press("2").press("1")
    send(console, "a private message from a texter", {"cookie": "", "texter": ""})
    shown = json.dumps(
        [console.ok(path) for path in ("/staff/api/map", "/staff/api/problems", "/staff/api/usage")]
    )
    assert not re.search(r"\+?\d{10,}", shown)
    assert "private message" not in shown
