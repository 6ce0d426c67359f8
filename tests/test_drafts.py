"""Drafts in the staff console: edits checked, tried in the simulators, downloaded and saved."""

from __future__ import annotations

import difflib
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotline.staff.session import CSRF_HEADER
from hotline.staff.yaml_edit import EditError, read_scalar, replace_scalar
from tests.conftest import REPO_ROOT
from tests.test_staff import Console, SimulatedCall, staff_app
from tests.twilio_sim import Call

PUBLISHED = "La policía de Northampton no aplica la ley civil de inmigración."
DRAFTED = "La policía de Northampton no hace cumplir la ley civil de inmigración."
VOICE = {"file": "messages/es.yaml", "path": ["messages", "police-role", "voice"]}
SHIPPED = [*sorted((REPO_ROOT / "messages").glob("*.yaml")), REPO_ROOT / "menus" / "tree.yaml"]


def edit(value: str) -> list[dict[str, Any]]:
    return [{**VOICE, "value": value}]


def texts(data: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every text value in a YAML document, with its path."""
    if isinstance(data, dict):
        return [found for k, v in data.items() for found in texts(v, (*path, str(k)))]
    return [(path, data)] if isinstance(data, str) else []


# The exact edit -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_an_edit_changes_that_value_and_not_one_other_byte(path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    values = texts(yaml.safe_load(original))
    assert values
    for where, value in values:
        changed = value + ' — "nuevo": sí #1'
        edited = replace_scalar(original, where, changed)
        assert read_scalar(edited, where) == changed
        assert yaml.safe_load(edited) == _with(yaml.safe_load(original), where, changed)
        before, after = original.splitlines(keepends=True), edited.splitlines(keepends=True)
        changed_lines = [
            line for line in difflib.ndiff(before, after) if line.startswith(("- ", "+ "))
        ]
        assert len(changed_lines) == 2, (where, changed_lines)
        # Writing a value as it is gives the file back byte for byte.
        assert replace_scalar(original, where, value) == original, where


def _with(data: Any, path: tuple[str, ...], value: str) -> Any:
    if not path:
        return value
    key = next(k for k in data if str(k) == path[0])
    return {**data, key: _with(data[key], path[1:], value)}


@pytest.mark.parametrize(
    "value",
    ["yes", "", "  spaces  ", "a: b", "# not a comment", "line\nbreak", "tab\there", "\u2028"],
)
def test_values_that_yaml_would_misread_are_quoted(value: str) -> None:
    text = "# comment\nmessages:\n  one:\n    title: plain  # kept\n    voice: 'single'\n"
    for path in (("messages", "one", "title"), ("messages", "one", "voice")):
        assert read_scalar(replace_scalar(text, path, value), path) == value


def test_a_block_value_is_replaced_without_moving_the_next_key() -> None:
    text = "a:\n  b: |\n    one\n    two\n  c: kept\n"
    edited = replace_scalar(text, ("a", "b"), "new")
    assert yaml.safe_load(edited) == {"a": {"b": "new", "c": "kept"}}
    assert edited.endswith("  c: kept\n")


@pytest.mark.parametrize("path", [("messages", "none"), ("messages",), ("words",)])
def test_only_text_values_that_exist_can_be_edited(path: tuple[str, ...]) -> None:
    with pytest.raises(EditError):
        replace_scalar("messages:\n  one: x\nwords: [a, b]\n", path, "y")


# The console's drafts ----------------------------------------------------------------------------


def test_a_draft_is_checked_and_its_problems_come_and_go(content_copy: Path) -> None:
    console = Console(staff_app(content_copy))
    clean = console.ok("/staff/api/draft", {"edits": edit(DRAFTED)})
    assert (clean["errors"], clean["changed"]) == (0, ["messages/es.yaml"])
    broken = console.ok("/staff/api/draft", {"edits": edit(DRAFTED + " {ofice_phone}")})
    assert broken["errors"] >= 1
    problem = next(p for p in broken["problems"] if p["severity"] == "error")
    assert problem["file"] == "messages/es.yaml" and "ofice_phone" in problem["message"]
    again = console.ok(
        "/staff/api/draft", {"edits": edit(DRAFTED + " {ofice_phone}") + edit(DRAFTED)}
    )
    assert again["errors"] == 0, "the last edit of a value wins"


def test_a_draft_gives_its_changed_file_and_a_diff_and_leaves_the_folder_alone(
    content_copy: Path,
) -> None:
    es = content_copy / "messages" / "es.yaml"
    before = es.read_bytes()
    data = Console(staff_app(content_copy)).ok("/staff/api/draft", {"edits": edit(DRAFTED)})
    assert es.read_bytes() == before
    drafted = data["files"]["messages/es.yaml"]
    assert drafted == before.decode("utf-8").replace(PUBLISHED, DRAFTED)
    assert f'-    voice: "{PUBLISHED}"' in data["diff"]
    assert f'+    voice: "{DRAFTED}"' in data["diff"]
    assert data["diff"].startswith("--- a/messages/es.yaml\n+++ b/messages/es.yaml\n")


def test_the_simulators_try_the_draft_while_the_line_serves_the_published_text(
    content_copy: Path,
) -> None:
    console = Console(staff_app(content_copy))
    draft = SimulatedCall(console)
    draft.edits = edit(DRAFTED)
    draft.start().press("2").press("1").press("1")
    assert draft.said()[0]["text"] == DRAFTED
    live = Call(console.app.test_client()).start().press("2").press("1").press("1")
    assert live.heard[0].text == PUBLISHED
    published = SimulatedCall(console).start().press("2").press("1").press("1")
    assert published.said()[0]["text"] == PUBLISHED

    texted = console.ok("/staff/api/text", {"body": "ES", "cookie": "", "edits": edit(DRAFTED)})
    assert texted["replies"]


def test_a_draft_with_errors_cannot_be_tried_or_saved(content_copy: Path) -> None:
    console = Console(staff_app(content_copy, HOTLINE_STAFF_CAN_SAVE="1"))
    broken = edit("{ofice_phone}")
    response = console.post("/staff/api/call/start", {"edits": broken})
    assert response.status_code == 409 and "errors" in response.get_json()["error"]
    response = save(console, broken)
    assert response.status_code == 409
    assert PUBLISHED in (content_copy / "messages" / "es.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "edits",
    [
        "x",
        [{"file": "../config.py", "path": ["a"], "value": "x"}],
        [{"file": "messages/es.yaml", "path": ["a/../b"], "value": "x"}],
        [{"file": "messages/es.yaml", "path": ["messages"], "value": 7}],
        [{"file": "messages/es.yaml", "path": [], "value": "x"}],
    ],
)
def test_edits_the_console_never_makes_are_refused(edits: Any) -> None:
    response = Console(staff_app()).post("/staff/api/draft", {"edits": edits})
    assert response.status_code == 400


def test_an_edit_of_a_value_that_is_gone_is_a_problem_of_the_draft() -> None:
    gone = [{"file": "messages/es.yaml", "path": ["messages", "no-such", "voice"], "value": "x"}]
    data = Console(staff_app()).ok("/staff/api/draft", {"edits": gone})
    assert data["errors"] == 1
    assert data["edit_problems"][0]["message"] == "messages.no-such.voice is not in the file"


# Saving ------------------------------------------------------------------------------------------


def csrf(console: Console) -> str:
    page = console.get("/staff/").get_data(as_text=True)
    return page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]


def save(console: Console, edits: list[dict[str, Any]], token: str | None = None) -> Any:
    headers = {**console.headers, CSRF_HEADER: token if token is not None else csrf(console)}
    return console.client.post("/staff/api/draft/save", json={"edits": edits}, headers=headers)


def test_saving_is_off_unless_the_operator_turns_it_on(content_copy: Path) -> None:
    console = Console(staff_app(content_copy))
    response = save(console, edit(DRAFTED))
    assert response.status_code == 403
    assert "HOTLINE_STAFF_CAN_SAVE" in response.get_json()["error"]


def test_saving_needs_the_pages_token(content_copy: Path) -> None:
    console = Console(staff_app(content_copy, HOTLINE_STAFF_CAN_SAVE="1"))
    csrf(console)
    assert save(console, edit(DRAFTED), token="").status_code == 403
    assert save(console, edit(DRAFTED), token="0" * 64).status_code == 403
    other = Console(console.app)
    assert save(other, edit(DRAFTED), token=csrf(console)).status_code == 403


def test_a_saved_draft_is_written_whole_logged_and_served_after_reload(
    content_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = staff_app(content_copy, HOTLINE_STAFF_CAN_SAVE="1", HOTLINE_RELOAD_SECONDS="0")
    console = Console(app)
    es = content_copy / "messages" / "es.yaml"
    expected = es.read_text(encoding="utf-8").replace(PUBLISHED, DRAFTED)
    with caplog.at_level(logging.INFO, logger="hotline.staff"):
        response = save(console, edit(DRAFTED))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"saved": ["messages/es.yaml"]}
    assert es.read_text(encoding="utf-8") == expected
    assert not [p for p in es.parent.iterdir() if p.name.startswith(".")], "no temporary file left"
    (line,) = [r.getMessage() for r in caplog.records if "saved" in r.getMessage()]
    assert line.startswith("staff console saved messages/es.yaml (staff session ")
    session = console.client.get_cookie("hotline_staff_session", path="/staff/")
    assert session is not None and session.value not in line
    live = Call(app.test_client()).start().press("2").press("1").press("1")
    assert live.heard[0].text == DRAFTED
