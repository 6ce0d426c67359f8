"""The staff console in headless Chromium: calls, texts, map, problems, keyboard and phone size."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hotline.services import services_of
from tests.browser.conftest import PASSWORD, console_app, serving

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect

MIN_CONTRAST = 4.5


def open_console(page: Any) -> Any:
    response = page.goto("/staff/")
    assert response.status == 200
    expect(page.get_by_role("heading", name="Staff console")).to_be_visible()
    return page


def heard(page: Any) -> Any:
    return page.locator("#heard li")


def start_call(page: Any) -> None:
    page.get_by_role("button", name="Call the hotline").click()
    expect(page.locator("#call-status")).to_have_text("Call in progress: waiting for a key.")


@pytest.mark.parametrize("credentials", [None, {"username": "staff", "password": "nope, wrong"}])
def test_the_console_asks_for_the_password(
    browser: Any, base_url: str, credentials: dict[str, str] | None
) -> None:
    context = browser.new_context(http_credentials=credentials)
    response = context.request.get(f"{base_url}/staff/")
    assert response.status == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    page = context.new_page()
    try:
        shown = page.goto(f"{base_url}/staff/")
    except sync_api.Error as error:
        # Headless Chromium cannot show the password prompt, so it may give up on the page.
        assert "ERR_INVALID_AUTH_CREDENTIALS" in str(error)
    else:
        assert shown.status == 401
        expect(page.get_by_text("Phone simulator")).to_have_count(0)
    context.close()


def test_a_call_heard_in_spanish(page: Any, artifacts: Path) -> None:
    open_console(page)
    start_call(page)
    greeting = heard(page).filter(has_text="Para español, oprima 2.")
    expect(greeting).to_have_attribute("lang", "es-US")
    expect(greeting.locator(".meta")).to_have_text("es-US · Polly.Lupe-Neural")

    page.get_by_role("button", name="Key 2").click()
    menu = heard(page).filter(has_text="Menú principal.")
    expect(menu).to_have_attribute("lang", "es-US")
    page.get_by_role("button", name="Key 1").click()
    page.get_by_role("button", name="Key 1").click()
    expect(heard(page).filter(has_text="La policía de Northampton no aplica")).to_be_visible()
    expect(page.locator("#heard")).to_have_attribute("aria-live", "polite")
    # Where the caller is, to check what was said against the city's words.
    place = page.get_by_label("Where the caller is")
    expect(place).to_contain_text("Now at:")
    expect(place).to_contain_text("(message police-role, es)")
    expect(place.locator(".badge").first).to_have_text(re.compile(r"^(draft|approved|stale)$"))
    expect(place).not_to_contain_text("[object")
    expect(place.locator(".source-ref")).to_have_text(re.compile(r"^Source: \S+ ¶\d"))
    place.get_by_text("The source's words").click()
    expect(place.locator("blockquote p")).not_to_be_empty()
    place.screenshot(path=artifacts / "call-place.png")
    page.screenshot(path=artifacts / "call-spanish.png", full_page=True)

    page.get_by_role("button", name="Key 0").click()
    expect(heard(page).filter(has_text="oprima 0 otra vez")).to_be_visible()
    page.get_by_role("button", name="Key 0").click()
    expect(heard(page).filter(has_text="Transfer to +14135871249")).to_contain_text(
        "Caller ID shown to the office: +14135550100"
    )
    expect(page.locator("#call-status")).to_have_text(
        "Call in progress: transferring to the office."
    )
    page.get_by_role("button", name="Office answers, then the call ends").click()
    expect(heard(page).filter(has_text="Gracias por llamar. Adiós.")).to_be_visible()
    expect(page.locator("#call-status")).to_have_text("The call has ended.")
    expect(page.get_by_role("button", name="Key 1")).to_be_disabled()


def test_silence_is_shown_as_such(page: Any) -> None:
    open_console(page)
    start_call(page)
    page.get_by_role("button", name="Stay silent").click()
    expect(heard(page).filter(has_text="No key pressed for 6 s.")).to_be_visible()
    expect(heard(page).filter(has_text="For English, press 1.")).to_have_count(2)


def test_keyboard_alone_reaches_the_keypad(page: Any, artifacts: Path) -> None:
    open_console(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"

    def tab_to(name: str, limit: int = 25) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if (
                page.evaluate(
                    "document.activeElement.getAttribute('aria-label') || "
                    "document.activeElement.textContent.trim()"
                )
                == name
            ):
                return
        pytest.fail(f"Tab never reached {name!r}")

    tab_to("Call the hotline")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused button shows no focus ring"
    page.keyboard.press("Enter")
    expect(page.locator("#call-status")).to_have_text("Call in progress: waiting for a key.")
    tab_to("Key 3")
    page.keyboard.press("Enter")
    expect(heard(page).filter(has_text="Menu principal.")).to_have_attribute("lang", "pt-BR")
    # Typing a digit inside the handset presses it too, as on a phone.
    page.keyboard.press("1")
    expect(heard(page).filter(has_text="You pressed 1.")).to_be_visible()
    page.screenshot(path=artifacts / "keyboard-only.png")


def test_a_text_conversation_with_segment_counts(page: Any, artifacts: Path) -> None:
    open_console(page)
    box = page.get_by_label("Message to the hotline")
    box.fill("hello")
    box.press("Enter")
    reply = page.locator("#thread li.reply").first
    expect(reply).to_contain_text("Northampton information line")
    expect(reply.locator(".meta")).to_have_text(
        re.compile(r"^\d+ segments? · (GSM-7|UCS-2) · \d+ units")
    )
    box.fill("ES")
    box.press("Enter")
    spanish = page.locator("#thread li.reply").nth(1)
    expect(spanish).to_contain_text("Línea de información de Northampton")
    expect(spanish.locator(".meta")).to_contain_text("UCS-2")
    expect(box).to_be_focused()
    expect(page.get_by_label("Where the conversation is")).to_contain_text("(menu main, es)")
    page.locator("#text").screenshot(path=artifacts / "text-conversation.png")


def test_the_map_links_each_node_to_its_file_and_line(page: Any, artifacts: Path) -> None:
    open_console(page)
    page.get_by_role("link", name="Map").click()
    page.get_by_label("Language", exact=True).select_option(label="Español (es)")
    tree = page.locator("#map-tree")
    expect(tree).to_have_attribute("lang", "es")
    node = tree.locator(".node").filter(has_text="lo que hace la policía")
    expect(node).to_have_class(re.compile(r"\bhas-problems\b"))
    expect(node.locator(".node-problem")).to_contain_text("unknown field 'tittle'")
    expect(node.locator(".badge.draft")).to_be_visible()
    expect(tree.locator(".node.has-problems")).to_have_count(1)
    page.locator("#map").screenshot(path=artifacts / "map-spanish.png")

    node.get_by_role("link", name="text in messages/es.yaml:32").click()
    expect(page).to_have_url(re.compile(r"/staff/source/messages/es\.yaml#L\d+$"))
    expect(page.locator(".source li:target")).to_contain_text("police-role:")


def test_a_broken_edit_appears_as_a_rejected_edit(
    browser: Any, tmp_path: Path, artifacts: Path
) -> None:
    from tests.browser.conftest import content_with_a_warning

    content = content_with_a_warning(tmp_path / "content")
    app: Flask = console_app(content)
    with serving(app) as url:
        context = browser.new_context(
            http_credentials={"username": "staff", "password": PASSWORD}, base_url=url
        )
        context.set_default_timeout(5000)
        page = open_console(context.new_page())
        expect(page.locator("#reload-status")).to_have_text(
            "The line serves the latest saved content."
        )
        expect(page.locator("#problems-list li")).to_contain_text(["unknown field 'tittle'"])

        tree = content / "menus" / "tree.yaml"
        tree.write_text(
            tree.read_text(encoding="utf-8").replace("2: services", "2: servics"), encoding="utf-8"
        )
        settled = time.time() - 5
        os.utime(tree, (settled, settled))
        page.get_by_role("button", name="Check again").click()

        rejected = page.locator("#rejected-edit")
        expect(rejected).to_contain_text("A newer edit was rejected.")
        problem = rejected.locator("li.error").filter(has_text="servics")
        expect(problem.get_by_role("link", name="menus/tree.yaml:5")).to_be_visible()
        page.locator("#problems").screenshot(path=artifacts / "problems-rejected-edit.png")
        context.close()


def test_usage_is_drawn_as_bar_charts(
    page: Any, console_app_and_url: tuple[Flask, str], artifacts: Path
) -> None:
    metrics = services_of(console_app_and_url[0]).metrics
    metrics.count("voice", "es", "police-role")
    metrics.count("sms", "en", "services")
    open_console(page)
    chart = page.get_by_role("img", name="Visits per menu item")
    expect(chart).to_be_visible()
    assert chart.locator("rect.bar").count() >= 2
    expect(page.get_by_role("img", name="Use per channel")).to_be_visible()
    page.locator("#usage").screenshot(path=artifacts / "usage-charts.png")


# Accessibility ------------------------------------------------------------------------------------


def luminance(rgb: tuple[float, ...]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: tuple[float, ...], background: tuple[float, ...]) -> float:
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# Each element's text colour and the first opaque background behind it, as the browser paints them.
COLOURS_JS = """
(selectors) => selectors.flatMap((selector) => [...document.querySelectorAll(selector)].slice(0, 3)
  .map((node) => {
    const parse = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
    let background = null;
    for (let at = node; at && !background; at = at.parentElement) {
      const colour = parse(getComputedStyle(at).backgroundColor);
      if (colour.length === 3 || colour[3] === 1) background = colour;
    }
    const colour = parse(getComputedStyle(node).color);
    return { selector, colour, background: background || [255, 255, 255] };
  }))
"""
TEXT_SELECTORS = [
    "body",
    "h1",
    ".note",
    ".help",
    ".top a",
    "button.primary",
    "button:not(.primary):not(:disabled)",
    "button:disabled",
    "label",
    "a",
    ".meta",
    ".status",
    "#heard li.say",
    "#heard li.event",
    "#heard li.transfer",
    ".thread li.sent",
    ".thread li.reply",
    ".badge.missing",
    ".badge.draft",
    ".badge.warning",
    ".badge.error",
    ".node",
    ".node.has-problems .node-problem",
    ".problems li.warning",
    ".problems li.error",
    ".rejected",
]


def test_accessibility_names_ids_and_contrast(page: Any) -> None:
    open_console(page)
    start_call(page)
    page.get_by_role("button", name="Key 1").click()
    expect(heard(page).filter(has_text="Main menu.")).to_be_visible()
    page.get_by_role("button", name="Key 0").click()
    expect(heard(page).filter(has_text="press 0 again")).to_be_visible()
    page.get_by_role("button", name="Key 0").click()
    expect(heard(page).filter(has_text="Transfer to")).to_be_visible()
    page.get_by_label("Message to the hotline").fill("hello")
    page.get_by_label("Message to the hotline").press("Enter")
    expect(page.locator("#thread li.reply")).to_have_count(1)
    expect(page.locator("#map-tree .node").first).to_be_visible()

    # Names as the browser's accessibility tree computes them, for every control.
    cdp = page.context.new_cdp_session(page)
    tree = cdp.send("Accessibility.getFullAXTree")["nodes"]
    controls = [
        node
        for node in tree
        if not node.get("ignored")
        and node.get("role", {}).get("value")
        in {"button", "textbox", "checkbox", "combobox", "link"}
    ]
    assert len(controls) > 20
    unnamed = [n for n in controls if not n.get("name", {}).get("value", "").strip()]
    assert unnamed == []

    ids = page.evaluate("[...document.querySelectorAll('[id]')].map((e) => e.id)")
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert page.evaluate("document.documentElement.lang") == "en"

    samples = page.evaluate(COLOURS_JS, TEXT_SELECTORS)
    seen = {sample["selector"] for sample in samples}
    assert {
        "body",
        "button.primary",
        "#heard li.say",
        "#heard li.transfer",
        ".badge.warning",
    } <= seen
    low = [
        (s["selector"], round(contrast(tuple(s["colour"]), tuple(s["background"])), 2))
        for s in samples
        if contrast(tuple(s["colour"]), tuple(s["background"])) < MIN_CONTRAST
    ]
    assert low == []


def test_a_phone_sized_screen(browser: Any, base_url: str, artifacts: Path) -> None:
    context = browser.new_context(
        http_credentials={"username": "staff", "password": PASSWORD},
        viewport={"width": 375, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        base_url=base_url,
    )
    context.set_default_timeout(5000)
    page = open_console(context.new_page())
    start_call(page)
    page.get_by_role("button", name="Key 2").click()
    expect(heard(page).filter(has_text="Menú principal.")).to_be_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    key = page.get_by_role("button", name="Key 5").bounding_box()
    assert key["height"] >= 44 and key["width"] >= 44
    page.screenshot(path=artifacts / "phone-size.png", full_page=True)
    context.close()
