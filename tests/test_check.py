"""`hotline check` on broken content: each case folder holds its exact expected problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.content.load import load_content
from hotline.content.problems import Problem
from tests.conftest import FIXTURE_CONTENT

BROKEN = Path(__file__).parent / "fixtures" / "broken"
CASES = sorted(path.name for path in BROKEN.iterdir() if path.is_dir())


def problems_of(folder: Path) -> list[Problem]:
    return load_content(folder / "menus", folder / "messages", base=folder).problems.sorted()


def new_problems(case: Path) -> list[Problem]:
    """The problems of a case that the unchanged test tree does not have (lines may move)."""
    baseline = {(p.severity, p.file, p.message) for p in problems_of(FIXTURE_CONTENT)}
    return [p for p in problems_of(case) if (p.severity, p.file, p.message) not in baseline]


def test_the_test_tree_itself_has_no_errors() -> None:
    result = load_content(FIXTURE_CONTENT / "menus", FIXTURE_CONTENT / "messages")
    assert result.content is not None
    assert result.problems.errors == []


@pytest.mark.parametrize("case", CASES)
def test_broken_case_reports_exactly_the_expected_problems(case: str) -> None:
    expected = (BROKEN / case / "expected.txt").read_text(encoding="utf-8")
    found = "\n".join(problem.format() for problem in new_problems(BROKEN / case)) + "\n"
    assert found == expected


@pytest.mark.parametrize("case", CASES)
def test_a_case_with_errors_is_never_served(case: str) -> None:
    folder = BROKEN / case
    result = load_content(folder / "menus", folder / "messages", base=folder)
    has_errors = " error: " in (folder / "expected.txt").read_text(encoding="utf-8")
    assert (result.content is None) == has_errors


def test_every_problem_has_a_file_and_a_line_when_the_file_exists() -> None:
    for case in CASES:
        for problem in new_problems(BROKEN / case):
            if problem.message != "the file is empty":
                assert problem.line > 0, problem.format()
