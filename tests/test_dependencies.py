"""The lock files agree with pyproject.toml and pin nothing with a known advisory (offline)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(text) for text in PROJECT["dependencies"]]
DEV = [Requirement(text) for text in PROJECT["optional-dependencies"]["dev"]]
ADVISORIES = tomllib.loads((ROOT / "security" / "advisories.toml").read_text(encoding="utf-8"))[
    "advisory"
]
RELOCK = "pyproject.toml changed without the lock files: run .ci/lock and commit both files"


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def pins(lock: str) -> dict[str, Version]:
    """Package -> pinned version in a lock file (universal locks may pin one twice by marker)."""
    found: dict[str, Version] = {}
    for line in (ROOT / lock).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            found[_name(match[1])] = Version(match[2])
    return found


@pytest.mark.parametrize(
    ("lock", "needed"),
    [("requirements.txt", RUNTIME), ("requirements-dev.txt", RUNTIME + DEV)],
)
def test_each_lock_pins_every_dependency_within_its_range(
    lock: str, needed: list[Requirement]
) -> None:
    pinned = pins(lock)
    for requirement in needed:
        name = _name(requirement.name)
        assert name in pinned, f"{lock} has no {name}: {RELOCK}"
        assert requirement.specifier.contains(pinned[name]), (
            f"{lock} pins {name}=={pinned[name]}, outside {requirement}: {RELOCK}"
        )


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_the_locks_install_the_project_itself(lock: str) -> None:
    lines = (ROOT / lock).read_text(encoding="utf-8").splitlines()
    assert "-e ." in lines or "-e .[dev]" in lines


@pytest.mark.parametrize("advisory", ADVISORIES, ids=lambda a: f"{a['package']}<{a['fixed']}")
def test_nothing_locked_or_allowed_has_a_known_advisory(advisory: dict[str, str]) -> None:
    name, fixed = _name(advisory["package"]), Version(advisory["fixed"])
    for lock in ("requirements.txt", "requirements-dev.txt"):
        pinned = pins(lock).get(name)
        assert pinned is None or pinned >= fixed, f"{lock} pins {name} {pinned}: {advisory['id']}"
    for requirement in RUNTIME + DEV:
        if _name(requirement.name) == name:
            floors = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
            assert floors and min(floors) >= fixed, (
                f"pyproject.toml allows {requirement} although {advisory['id']} is fixed only in "
                f"{fixed}: raise the floor"
            )
