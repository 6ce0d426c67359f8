"""Broken-content cases as small overlays on the test tree (tests/fixtures/content).

Each folder in tests/fixtures/broken/ holds `changes.yaml` (only what breaks the tree) and
`expected.txt` (exactly what `hotline check` says about it). A change of the test tree is then
one edit, not one per case. Each change is a list of edits of one file:

- `replace:` text that must occur exactly once in the base file, `with:` its new text;
- `write:` the whole new file (such as "" for an empty file);
- `delete: true` to remove the file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.conftest import FIXTURE_CONTENT

BROKEN = Path(__file__).parent / "fixtures" / "broken"
CASES = sorted(path.name for path in BROKEN.iterdir() if (path / "changes.yaml").is_file())


class OverlayError(AssertionError):
    """A case's change no longer applies to the test tree: say which, so it can be fixed."""


def apply_changes(changes: list[dict], folder: Path, case: str = "") -> None:
    """Apply edits (as read from a changes.yaml) to a copy of the test tree in `folder`."""
    for change in changes:
        path = folder / change["file"]
        if change.get("delete"):
            path.unlink()
        elif "write" in change:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(change["write"].encode("utf-8"))
        else:
            text = path.read_text(encoding="utf-8")
            found = text.count(change["replace"])
            if found != 1:
                raise OverlayError(
                    f"case {case}: the text to replace in {change['file']} occurs {found} times "
                    f"in the test tree (it must occur once):\n{change['replace']}"
                )
            path.write_bytes(text.replace(change["replace"], change["with"]).encode("utf-8"))


def build_case(case: str, target: Path) -> Path:
    """The test tree with the case's changes, in a new folder under `target`."""
    folder = target / case
    shutil.copytree(FIXTURE_CONTENT, folder)
    changes = yaml.safe_load((BROKEN / case / "changes.yaml").read_text(encoding="utf-8"))
    apply_changes(changes, folder, case)
    return folder


def expected(case: str) -> str:
    return (BROKEN / case / "expected.txt").read_text(encoding="utf-8")
