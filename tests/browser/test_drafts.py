"""Drafts in the console, in headless Chromium: edit, check, hear, download, save."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hotline import create_app
from tests.browser.conftest import PASSWORD, serving
from tests.conftest import FIXTURE_CONTENT, app_settings
from tests.twilio_sim import Call

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

PUBLISHED = "La policía de Northampton no aplica la ley civil de inmigración."
DRAFTED = "La policía de Northampton no hace cumplir la ley civil de inmigración."


def console(browser: Any, url: str, width: int = 1280, height: int = 900) -> Any:
    context = browser.new_context(
        http_credentials={"username": "staff", "password": PASSWORD},
        viewport={"width": width, "height": height},
        base_url=url,
        accept_downloads=True,
    )
    context.set_default_timeout(5000)
    page = context.new_page()
    assert page.goto("/staff/").status == 200
    return page


def edit_voice(page: Any, value: str) -> None:
    """Open Spanish 'police-role' from the map, set its spoken text, apply it to the draft."""
    page.get_by_label("Language", exact=True).select_option("es")
    page.get_by_role("button", name="Edit lo que hace la policía").click()
    expect(page.get_by_label("Title (title)")).to_be_focused()
    field = page.get_by_label("What the caller hears (voice)")
    field.fill(value)
    page.get_by_role("button", name="Apply to the draft").click()


def hear_police_role(page: Any) -> str:
    """What a simulated call hears of 'police-role' (Spanish, then 1 and 1)."""
    page.get_by_role("button", name="Call the hotline").click()
    for key in "211":
        page.get_by_role("button", name=f"Key {key}").click()
    said = page.locator("#heard li.say")
    # The message is followed by the hint that offers to go back.
    expect(said.last).to_contain_text("Para volver, oprima numeral.")
    return said.nth(said.count() - 2).evaluate("li => li.firstChild.textContent")


@pytest.fixture
def saving_app(tmp_path: Path) -> Iterator[tuple[Flask, str, Path]]:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    app = create_app(
        app_settings(
            content,
            HOTLINE_STAFF_PASSWORD=PASSWORD,
            HOTLINE_STAFF_CAN_SAVE="1",
            HOTLINE_RELOAD_SECONDS="0",
        )
    )
    with serving(app) as url:
        yield app, url, content


def test_a_draft_is_checked_heard_and_downloaded_while_the_line_serves_the_published_text(
    browser: Any, console_app_and_url: tuple[Flask, str], artifacts: Path
) -> None:
    app, url = console_app_and_url
    page = console(browser, url)

    edit_voice(page, DRAFTED + " Llame al {ofice_phone}.")
    # The map shows the picture of the tree and, per message, the source's words and review.
    expect(page.locator("#map-picture svg[role=img]")).to_have_count(1)
    node = page.locator("#map-tree div.node").filter(has_text="lo que hace la policía")
    expect(node.locator(".source-ref")).to_have_text("Source: statement-2026-02 ¶7")
    expect(node.locator(".cited blockquote")).to_have_count(1)
    problems = page.locator("#draft-problems li.error")
    expect(problems).to_contain_text(["ofice_phone"])
    # The problem's line as drafted, not the published file's (which has the old words).
    problem = problems.filter(has_text="ofice_phone")
    expect(problem.locator("a")).to_have_count(0)
    problem.locator(".draft-lines summary").click()
    expect(problem.locator(".draft-lines summary")).to_contain_text(
        "of messages/es.yaml in your draft"
    )
    expect(problem.locator(".problem-line")).to_contain_text("{ofice_phone}")
    problem.screenshot(path=artifacts / "draft-problem-lines.png")
    expect(page.locator("#draft-summary")).to_contain_text("1 error(s)")
    edit_voice(page, DRAFTED)
    expect(page.locator("#draft-problems li.error")).to_have_count(0)
    expect(page.locator("#draft-summary")).to_contain_text("0 error(s)")

    expect(page.locator("#phone .draft-note")).to_be_visible()
    assert hear_police_role(page) == DRAFTED
    live = Call(app.test_client()).start().press("2").press("1").press("1")
    assert live.heard[0].text == PUBLISHED

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the changed files").click()
    assert download.value.suggested_filename == "es.yaml"
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert f'voice: "{DRAFTED}"' in saved and PUBLISHED not in saved
    with page.expect_download() as diff:
        page.get_by_role("button", name="Download the diff").click()
    patch = Path(diff.value.path()).read_text(encoding="utf-8")
    assert patch.startswith("--- a/messages/es.yaml\n+++ b/messages/es.yaml\n")
    assert f'+    voice: "{DRAFTED}"' in patch
    page.locator("#draft-changes summary").click()
    page.screenshot(path=artifacts / "draft-desktop.png", full_page=True)

    page.get_by_role("button", name="Throw the draft away").click()
    expect(page.locator("#draft-status")).to_have_text(
        "No draft: the simulators use the published content."
    )
    assert hear_police_role(page) == PUBLISHED
    page.context.close()


def test_a_saved_draft_is_served_by_the_live_line_after_reload(
    browser: Any, saving_app: tuple[Flask, str, Path], artifacts: Path
) -> None:
    app, url, content = saving_app
    page = console(browser, url, width=390, height=844)
    edit_voice(page, DRAFTED)
    expect(page.locator("#draft-summary")).to_contain_text("0 error(s)")
    page.locator("#draft").screenshot(path=artifacts / "draft-phone.png")
    page.get_by_role("button", name="Save into the content folder").click()
    expect(page.locator("#draft-save-status")).to_contain_text("Saved messages/es.yaml.")
    assert DRAFTED in (content / "messages" / "es.yaml").read_text(encoding="utf-8")

    live = Call(app.test_client()).start().press("2").press("1").press("1")
    assert live.heard[0].text == DRAFTED
    expect(page.locator("#draft-status")).to_have_text(
        "No draft: the simulators use the published content."
    )
    page.context.close()


def test_a_phone_sized_screen_shows_what_the_caller_hears_and_who_said_what(
    browser: Any, base_url: str, artifacts: Path
) -> None:
    page = console(browser, base_url, width=375, height=740)
    page.get_by_role("button", name="Call the hotline").click()
    page.get_by_role("button", name="Key 2").click()
    page.get_by_role("button", name="Key 1").click()
    expect(page.locator("#heard li.say").last).to_contain_text("Para el menú principal, oprima 9.")
    expect(page.locator("#heard li").last).to_contain_text("The line waits up to")
    page.get_by_role("button", name="Key 1").scroll_into_view_if_needed()
    box = page.locator("#heard").bounding_box()
    latest = page.locator("#heard li").last.bounding_box()
    keys = page.locator(".keypad").bounding_box()
    # The transcript scrolled itself to the newest line...
    assert (
        box["y"] - 1 <= latest["y"]
        and latest["y"] + latest["height"] <= box["y"] + box["height"] + 1
    )
    # ...and sits above the keypad, close enough that both fit on the phone's screen at once.
    assert box["y"] + box["height"] <= keys["y"]
    assert keys["y"] + 60 - box["y"] <= 740
    page.screenshot(path=artifacts / "phone-width-call.png")

    page.get_by_label("Message to the hotline").fill("hola")
    page.get_by_label("Message to the hotline").press("Enter")
    sent, reply = page.locator("#thread li.sent"), page.locator("#thread li.reply")
    expect(reply).to_have_count(1)
    sent_box, reply_box = sent.bounding_box(), reply.bounding_box()
    assert sent_box["x"] + sent_box["width"] > reply_box["x"] + reply_box["width"] + 20
    assert sent_box["x"] > reply_box["x"] + 20
    expect(sent.locator(".who")).to_have_text("You")
    expect(reply.locator(".who")).to_have_text("Hotline")
    page.locator("#text").screenshot(path=artifacts / "phone-width-text.png")
    page.context.close()
