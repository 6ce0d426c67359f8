"""`hotline check` on broken content: each case is the test tree plus the change that breaks it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hotline.content.load import load_content, load_to_serve
from hotline.content.problems import Problem
from tests.broken_cases import CASES, OverlayError, apply_changes, build_case, expected
from tests.conftest import FIXTURE_CONTENT


def problems_of(folder: Path) -> list[Problem]:
    return load_content(folder / "menus", folder / "messages", base=folder).problems.sorted()


def new_problems(folder: Path) -> list[Problem]:
    """The problems of a case that the unchanged test tree does not have (lines may move)."""
    baseline = {(p.severity, p.file, p.message) for p in problems_of(FIXTURE_CONTENT)}
    return [p for p in problems_of(folder) if (p.severity, p.file, p.message) not in baseline]


def test_the_test_tree_itself_has_no_errors() -> None:
    result = load_content(FIXTURE_CONTENT / "menus", FIXTURE_CONTENT / "messages")
    assert result.content is not None
    assert result.problems.errors == []


@pytest.mark.parametrize("case", CASES)
def test_broken_case_reports_exactly_the_expected_problems(case: str, tmp_path: Path) -> None:
    found = new_problems(build_case(case, tmp_path))
    assert "\n".join(problem.format() for problem in found) + "\n" == expected(case)


@pytest.mark.parametrize("case", CASES)
def test_a_case_with_errors_is_never_served(case: str, tmp_path: Path) -> None:
    # The server loads without the advice (checks that only warn): the errors are the same.
    folder = build_case(case, tmp_path)
    served = load_to_serve(folder / "menus", folder / "messages", base=folder)
    assert (served.content is None) == (" error: " in expected(case))
    checked = load_content(folder / "menus", folder / "messages", base=folder)
    assert set(served.problems.errors) == set(checked.problems.errors)


def test_every_problem_has_a_file_and_a_line_when_the_file_exists(tmp_path: Path) -> None:
    assert len(CASES) >= 20
    for case in CASES:
        for problem in new_problems(build_case(case, tmp_path)):
            if problem.message != "the file is empty":
                assert problem.line > 0, problem.format()


def test_a_change_that_no_longer_applies_names_its_case(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE_CONTENT, tmp_path / "tree")
    change = {"file": "menus/tree.yaml", "replace": "no such text\n", "with": ""}
    with pytest.raises(OverlayError, match=r"case cycle: the text to replace in menus/tree\.yaml"):
        apply_changes([change], tmp_path / "tree", "cycle")
