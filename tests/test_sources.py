"""Sources inside the project: citations checked against them, and approvals that go stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hotline import create_app
from hotline.content.approvals import fingerprint
from hotline.content.load import load_content
from hotline.content.model import Content
from hotline.content.problems import ProblemList
from hotline.services import services_of
from tests.conftest import FIXTURE_CONTENT, app_settings


def load(folder: Path, sources: Path | None = None) -> tuple[Content | None, ProblemList]:
    result = load_content(folder / "menus", folder / "messages", folder, sources)
    return result.content, result.problems


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def messages(problems: ProblemList) -> list[str]:
    """The problems the unchanged test tree does not have (it has one warning of its own)."""
    _, baseline = load(FIXTURE_CONTENT)
    return [
        f"{p.file}:{p.line}: {p.severity.value}: {p.message}"
        for p in problems.sorted()
        if p not in baseline.items
    ]


def stale(problems: ProblemList) -> list[str]:
    return [p.message for p in problems.warnings if "is stale" in p.message]


def test_the_test_tree_cites_its_own_copy_of_the_statement() -> None:
    content, problems = load(FIXTURE_CONTENT)
    assert content is not None and problems.errors == []
    source, citation = content.cited("police-role")[0]
    assert source.id == "statement-2026-02" and citation.passages == ("¶7",)
    assert source.text(citation).startswith("Under Massachusetts law and longstanding city policy")


def test_a_citation_of_a_missing_source_or_paragraph_is_an_error(content_copy: Path) -> None:
    tree = content_copy / "menus" / "tree.yaml"
    replace(
        tree,
        "source: statement-2026-02 ¶7\n    date: 2026-02-05\n  police-status",
        "source: statment-2026-02 ¶7\n    date: 2026-02-05\n  police-status",
    )
    replace(tree, "source: statement-2026-02 ¶11", "source: statement-2026-02 ¶11, ¶40")
    content, problems = load(content_copy)
    assert content is None
    assert messages(problems) == [
        "menus/tree.yaml:12: error: message 'police-role' cites 'statment-2026-02', "
        "which is not in sources/",
        "menus/tree.yaml:18: error: message 'services' cites ¶40, but statement-2026-02 has "
        "¶1 to ¶12 and contact",
    ]
    assert problems.errors[0].hint == "did you mean 'statement-2026-02'?"


def test_a_source_that_cannot_be_read_as_a_citation_lists_the_sources(content_copy: Path) -> None:
    replace(content_copy / "menus" / "tree.yaml", "statement-2026-02 ¶11", "statement-2026-02 §11")
    _, problems = load(content_copy)
    (error,) = problems.errors
    assert error.message == (
        "source 'statement-2026-02 §11' of message 'services' does not name a source and its "
        "paragraphs"
    )
    assert error.hint.endswith("Sources: statement-2026-02")


def test_a_summary_sharing_no_words_with_its_paragraph_is_a_warning(content_copy: Path) -> None:
    # ¶2 is about events in Minnesota: nothing the services message says.
    replace(content_copy / "menus" / "tree.yaml", "statement-2026-02 ¶11", "statement-2026-02 ¶2")
    content, problems = load(content_copy)
    assert content is not None
    assert (
        "menus/tree.yaml:18: warning: message 'services' shares no key words with what it "
        "cites (statement-2026-02 ¶2)" in messages(problems)
    )


def test_the_paragraph_count_comes_from_the_source_file(content_copy: Path) -> None:
    statement = content_copy / "sources" / "statement-2026-02.yaml"
    replace(
        statement,
        '  12: "Northampton will continue',
        '  13: "Something new."\n  12: "Northampton will continue',
    )
    replace(content_copy / "menus" / "tree.yaml", "statement-2026-02 ¶11", "statement-2026-02 ¶13")
    content, problems = load(content_copy)
    assert content is not None, messages(problems)
    assert content.sources["statement-2026-02"].passages["¶13"] == "Something new."


def test_sources_come_from_hotline_sources_dir(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(FIXTURE_CONTENT / "sources", elsewhere)
    content_folder = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content_folder)
    shutil.rmtree(content_folder / "sources")
    settings = app_settings(content_folder, HOTLINE_SOURCES_DIR=str(elsewhere))
    store = services_of(create_app(settings)).store
    assert store.content.sources["statement-2026-02"].file == str(
        elsewhere / "statement-2026-02.yaml"
    )


# Approvals -------------------------------------------------------------------------------------


def approve(folder: Path, code: str, message_id: str, prints: dict[str, str]) -> None:
    parts = ", ".join(f"{part}: {value}" for part, value in prints.items())
    replace(
        folder / "messages" / f"{code}.yaml",
        f"  {message_id}:\n    title:",
        f"  {message_id}:\n    approved:\n      by: Ana Souza, Mayor's office\n"
        f"      date: 2026-12-02\n      fingerprint: {{{parts}}}\n    title:",
    )


@pytest.fixture
def approved_copy(content_copy: Path) -> Path:
    content, _ = load(content_copy)
    assert content is not None
    for code in ("en", "es"):
        approve(content_copy, code, "police-role", fingerprint(content, code, "police-role"))
    return content_copy


def test_an_approval_that_matches_makes_the_message_approved(approved_copy: Path) -> None:
    content, problems = load(approved_copy)
    assert content is not None and stale(problems) == []
    for code in ("en", "es"):
        text = content.translations[code].messages["police-role"]
        assert text.review == "approved" and text.approval is not None
        assert text.approval.by == "Ana Souza, Mayor's office"
    assert content.translations["es"].messages["police-status"].review == "draft"
    # One approved message does not make a language reviewed: that needs all of them.
    assert content.translations["es"].review == "draft"


def test_a_changed_translation_makes_its_approval_stale(approved_copy: Path) -> None:
    replace(approved_copy / "messages" / "es.yaml", "no aplica", "no hace cumplir")
    content, problems = load(approved_copy)
    assert content is not None  # a stale approval warns; the line keeps serving
    assert content.translations["es"].messages["police-role"].review == "stale"
    assert content.translations["en"].messages["police-role"].review == "approved"
    assert stale(problems) == [
        "the approval of message 'police-role' in es (by Ana Souza, Mayor's office, 2026-12-02) "
        "is stale: the es text changed since"
    ]


def test_a_changed_original_or_paragraph_names_what_changed(approved_copy: Path) -> None:
    replace(approved_copy / "messages" / "en.yaml", "do not enforce", "never enforce")
    replace(
        approved_copy / "sources" / "statement-2026-02.yaml",
        "does not assist with civil immigration enforcement",
        "does not assist with civil immigration enforcement at all",
    )
    _, problems = load(approved_copy)
    assert sorted(message.split(" is stale: ")[1] for message in stale(problems)) == [
        "the en text and the cited source (statement-2026-02 ¶7) changed since",
        "the en text it translates and the cited source (statement-2026-02 ¶7) changed since",
    ]


def test_every_message_approved_makes_the_language_reviewed(content_copy: Path) -> None:
    content, _ = load(content_copy)
    assert content is not None
    for message_id in content.messages:
        approve(content_copy, "pt", message_id, fingerprint(content, "pt", message_id))
    content, _ = load(content_copy)
    assert content is not None
    assert content.translations["pt"].review == "reviewed"
    assert content.translations["es"].review == "draft"
