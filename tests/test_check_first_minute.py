"""`hotline check --strict` holds the shipped content to issue 12's rules, and fails a copy that
breaks one of them: caller time, SMS segments, GSM-7 in English."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline import cli
from tests.conftest import REPO_ROOT


def copy_of_shipped(tmp_path: Path) -> Path:
    """The shipped content with the sources it cites (the privacy notice is PRIVACY.md)."""
    for folder in ("menus", "messages", "sources"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    shutil.copy(REPO_ROOT / "PRIVACY.md", tmp_path / "PRIVACY.md")
    return tmp_path


def edit(folder: Path, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def check(folder: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(folder)
    args = ["check", "--strict", "--menus", "menus", "--messages", "messages"]
    return CliRunner().invoke(cli.main, args)


def test_the_shipped_content_passes_strict(tmp_path, monkeypatch) -> None:
    result = check(copy_of_shipped(tmp_path), monkeypatch)
    assert result.exit_code == 0, result.output


def test_an_answer_moved_late_in_the_call_fails_strict(tmp_path, monkeypatch) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(folder, "menus/settings.yaml", "  caller_seconds: 40\n", "  caller_seconds: 20\n")
    result = check(folder, monkeypatch)
    assert result.exit_code == 1
    assert "hears the answer of 'city-now'" in result.output
    assert "targets: caller_seconds is 20" in result.output


def test_a_reply_over_the_segment_budget_fails_strict(tmp_path, monkeypatch) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(
        folder,
        "messages/pt.yaml",
        '  not_understood: "Não entendi."',
        '  not_understood: "Desculpe, não entendi a sua mensagem, pode tentar de novo?"',
    )
    result = check(folder, monkeypatch)
    assert result.exit_code == 1
    assert "the pt text reply for the reply to a text it does not understand" in result.output


def test_one_accented_character_in_the_english_language_list_fails_strict(
    tmp_path, monkeypatch
) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(folder, "messages/pt.yaml", '  switch: "Portugues: PT"', '  switch: "Português: PT"')
    result = check(folder, monkeypatch)
    assert result.exit_code == 1
    assert "the en text reply for the first reply" in result.output
    assert "ê" in result.output  # the hint names the character that made it UCS-2
