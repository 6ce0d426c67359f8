"""README's two commands work as written on a fresh machine: CI runs exactly the test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def first_command_under(heading: str) -> str:
    section = README.split(f"## {heading}\n", 1)[1]
    match = re.search(r"```sh\n(.+?)\n```", section, re.S)
    assert match, f"README's '{heading}' section has no ```sh block"
    return match[1].strip()


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == first_command_under("Run the tests")


def test_both_commands_make_and_use_a_virtual_environment() -> None:
    """A system Python (Debian 12, Ubuntu 23.04+, Homebrew) refuses pip outside a venv."""
    for heading in ("Run it on your machine", "Run the tests"):
        command = first_command_under(heading)
        assert command.startswith("python3 -m venv .venv && .venv/bin/python -m pip install ")
        assert "-r requirements-dev.txt" in command
        steps = command.split(" && ")
        assert all(step.startswith((".venv/bin/", "python3 -m venv")) for step in steps)
