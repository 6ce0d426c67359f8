"""`hotline map`: the whole tree with keys and titles, as text, Mermaid or dot."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from hotline import cli
from tests.broken_cases import build_case
from tests.conftest import FIXTURE_CONTENT

FOLDERS = [
    "--menus",
    str(FIXTURE_CONTENT / "menus"),
    "--messages",
    str(FIXTURE_CONTENT / "messages"),
]


def run_map(*args: str):
    return CliRunner().invoke(cli.main, ["map", *FOLDERS, *args])


def test_text_map_shows_every_key_and_title() -> None:
    result = run_map()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Menu tree in English (en), content ")
    assert lines[1:] == [
        "Keys in every menu: 0 Mayor's office, * repeat, # back, 9 main menu",
        "",
        "the main menu  (menu main)",
        "├── 1 police and immigration  (menu police)",
        "│   ├── 1 what the police do  (message police-role, statement-2026-02 ¶7)",
        "│   └── 2 questions about status  (message police-status, statement-2026-02 ¶7)",
        "└── 2 city services  (message services, statement-2026-02 ¶11)",
    ]


def test_mermaid_map_in_spanish() -> None:
    result = run_map("--lang", "es", "--format", "mermaid")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "flowchart TD"
    assert '    n_police["la policía y la inmigración"]' in lines
    assert '    n_police_role("lo que hace la policía")' in lines
    assert '    n_main -->|"1"| n_police' in lines
    assert '    n_police -->|"2"| n_police_status' in lines


def test_dot_map() -> None:
    result = run_map("--format", "dot")
    assert result.exit_code == 0
    assert result.output.startswith("digraph hotline {\n")
    assert '    "services" [label="city services", shape=note];' in result.output
    assert '    "main" -> "police" [label="1"];' in result.output


def test_an_unknown_language_is_refused() -> None:
    result = run_map("--lang", "fr")
    assert result.exit_code == 2
    assert "'fr' is not a language of the line (en, es, pt)" in result.output


def test_broken_content_is_listed_instead_of_mapped(tmp_path: Path) -> None:
    broken = build_case("cycle", tmp_path)
    result = CliRunner().invoke(
        cli.main, ["map", "--menus", str(broken / "menus"), "--messages", str(broken / "messages")]
    )
    assert result.exit_code == 1
    assert "menus loop back on themselves" in result.output
