"""The console's text simulator in headless Chromium, switched to WhatsApp and back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_console import open_console

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
expect = sync_api.expect


def test_the_text_simulator_shows_both_channels(page: Any, artifacts: Path) -> None:
    open_console(page)
    box = page.get_by_label("Message to the hotline")
    page.get_by_label("WhatsApp").check()
    box.fill("PT")
    box.press("Enter")
    welcome = page.locator("#thread li.reply").first
    expect(welcome).to_contain_text("31. ")
    expect(welcome.locator(".meta")).to_have_text(
        re.compile(r"^one WhatsApp message · \d+ characters$")
    )
    box.fill("31")
    box.press("Enter")
    expect(page.locator("#thread li.reply").nth(1)).to_contain_text("*")
    page.locator("#text").screenshot(path=artifacts / "text-whatsapp.png")

    # Back to SMS: another pair of numbers, so a new conversation with segment counts.
    page.get_by_label("SMS", exact=True).check()
    expect(page.locator("#thread li")).to_have_count(0)
    box.fill("hello")
    box.press("Enter")
    sms = page.locator("#thread li.reply").first
    expect(sms).to_contain_text("1. ")
    expect(sms.locator(".meta")).to_have_text(re.compile(r"^\d+ segments? · "))
