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


# (file, text as shipped, the change that breaks one rule, what the check must then say)
BROKEN = {
    "an answer moved late in the call": (
        "menus/settings.yaml",
        "  caller_seconds: 40\n",
        "  caller_seconds: 20\n",
        ["hears the answer of 'city-now'", "targets: caller_seconds is 20"],
    ),
    "a reply over the segment budget": (
        "messages/pt.yaml",
        '  not_understood: "Não entendi."',
        '  not_understood: "Desculpe, não entendi a sua mensagem, pode tentar de novo?"',
        ["the pt text reply for the reply to a text it does not understand"],
    ),
    "one accented character in the English language list": (
        "messages/pt.yaml",
        '  switch: "Portugues: PT"',
        '  switch: "Português: PT"',
        # The hint names the character that made it UCS-2.
        ["the en text reply for the first reply", "ê"],
    ),
    "a message in long words": (
        "menus/settings.yaml",
        "  reading_grade: 12\n",
        "  reading_grade: 8\n",
        [
            "message 'police-role' in en reads at about school grade 12",
            "targets: reading_grade is 8",
        ],
    ),
}


@pytest.mark.parametrize(("file", "old", "new", "said"), BROKEN.values(), ids=BROKEN.keys())
def test_a_copy_that_breaks_one_rule_fails_strict(
    tmp_path, monkeypatch, file: str, old: str, new: str, said: list[str]
) -> None:
    folder = copy_of_shipped(tmp_path)
    edit(folder, file, old, new)
    result = check(folder, monkeypatch)
    assert result.exit_code == 1
    for words in said:
        assert words in result.output
