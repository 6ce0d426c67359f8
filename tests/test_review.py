"""`hotline review`: the sheet a person at the city checks and signs, and the approval it gives."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline import cli
from hotline.content.load import load_content
from hotline.content.model import Content
from hotline.review import review_sheet
from tests.conftest import FIXTURE_CONTENT, REPO_ROOT


def load(folder: Path) -> Content:
    result = load_content(folder / "menus", folder / "messages", folder)
    assert result.content is not None, [p.format() for p in result.problems.errors]
    return result.content


@pytest.fixture(scope="module")
def shipped() -> Content:
    return load(REPO_ROOT)


def sections(markdown: str) -> dict[str, str]:
    """The sheet's part for each message, by id."""
    parts = re.split(r"^## ", markdown, flags=re.MULTILINE)
    found = {}
    for part in parts:
        match = re.match(r".*\(`([a-z0-9-]+)`\)\n", part)
        if match:
            found[match.group(1)] = part
    return found


def test_every_message_is_on_the_sheet_in_the_order_of_the_tree(shipped: Content) -> None:
    sheet = review_sheet(shipped, "es", "md")
    assert list(sections(sheet)) == [
        node for node in shipped.walk.preorder if node in shipped.messages
    ]
    assert list(sections(sheet))[:2] == ["police-status", "police-detainers"]


def test_each_message_stands_beside_its_paragraphs_and_the_english(shipped: Content) -> None:
    part = sections(review_sheet(shipped, "es", "md"))["police-detainers"]
    statement = shipped.sources["statement-2026-02"]
    for label in ("¶7", "¶9"):
        assert f"**statement-2026-02 {label}**\n\n> {statement.passages[label]}" in part
    english = shipped.translations["en"].messages["police-detainers"]
    spanish = shipped.translations["es"].messages["police-detainers"]
    assert f"*English, spoken:*\n\n> {english.voice}" in part
    assert f"*Español, text message:*\n\n> {spanish.text}" in part
    assert "- [ ] The translation says what the English text says" in part
    assert re.search(r"About \d+ s to say; the text reply is \d SMS segment\(s\) \(UCS-2\)", part)


def test_placeholders_are_filled_as_written(shipped: Content) -> None:
    part = sections(review_sheet(shipped, "en", "md"))["services-open"]
    assert "{emergency}" not in part and "In an emergency, call 911." in part
    # English is the source language: no translation to compare it with.
    assert "The translation says" not in part and "Español" not in part


def test_the_approved_lines_from_the_sheet_approve_the_message(content_copy: Path) -> None:
    sheet = review_sheet(load(content_copy), "es", "md")
    block = re.search(r"```yaml\n(  police-role:\n.*?)\n```", sheet, re.DOTALL)
    assert block is not None
    lines = (
        block.group(1).replace("<name and role>", "Ana Souza").replace("<YYYY-MM-DD>", "2026-12-02")
    )
    es = content_copy / "messages" / "es.yaml"
    text = es.read_text(encoding="utf-8")
    es.write_text(text.replace("  police-role:\n", lines + "\n", 1), encoding="utf-8")
    content = load(content_copy)
    text_es = content.translations["es"].messages["police-role"]
    assert text_es.review == "approved"
    assert text_es.approval is not None and text_es.approval.by == "Ana Souza"
    assert "approved by Ana Souza on 2026-12-02" in review_sheet(content, "es", "md")


class _Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.tags: set[str] = set()
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._in_style = tag == "style"
        if tag == "section":
            self.sections.append(dict(attrs).get("id") or "")

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data


def test_the_html_sheet_prints_one_unbroken_block_per_message(shipped: Content) -> None:
    outline = _Outline()
    outline.feed(review_sheet(shipped, "pt", "html"))
    assert outline.sections == [n for n in shipped.walk.preorder if n in shipped.messages]
    assert "@media print" in outline.style and "page-break-inside: avoid" in outline.style
    assert "script" not in outline.tags and "link" not in outline.tags  # nothing to fetch


def test_the_html_sheet_escapes_what_staff_wrote(content_copy: Path) -> None:
    en = content_copy / "messages" / "en.yaml"
    en.write_text(
        en.read_text(encoding="utf-8").replace(
            "title: what the police do", "title: what <b>police</b> do"
        ),
        encoding="utf-8",
    )
    sheet = review_sheet(load(content_copy), "en", "html")
    assert "what &lt;b&gt;police&lt;/b&gt; do" in sheet and "<b>police" not in sheet


def test_the_command_writes_the_sheet_and_refuses_an_unknown_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(FIXTURE_CONTENT)
    args = ["review", "--menus", "menus", "--messages", "messages"]
    result = CliRunner().invoke(cli.main, [*args, "--lang", "es", "--format", "md"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Review sheet: Español (es)")
    refused = CliRunner().invoke(cli.main, [*args, "--lang", "fr"])
    assert refused.exit_code == 2
    assert "'fr' is not a language of the line" in refused.output
