"""Problems found in content files, worded for the city staff who edit them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one file, at one line where known, with a hint on how to fix it."""

    file: str
    line: int
    message: str
    hint: str = ""
    severity: Severity = Severity.ERROR

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.severity.value}: {self.message}"
        return f"{text}\n    Hint: {self.hint}" if self.hint else text


@dataclass
class ProblemList:
    """Collects every problem of a run instead of stopping at the first."""

    base: Path | None = None
    items: list[Problem] = field(default_factory=list)
    # File as given -> file as shown: a big tree has thousands of problems in a few files.
    _shown: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def _display(self, file: Path | str) -> str:
        key = str(file)
        shown = self._shown.get(key)
        if shown is None:
            shown = self._shown[key] = self._relative(Path(file))
        return shown

    def _relative(self, path: Path) -> str:
        if self.base is not None:
            try:
                return str(path.resolve().relative_to(self.base.resolve()))
            except ValueError:
                pass
        return str(path)

    def error(self, file: Path | str, line: int | None, message: str, hint: str = "") -> None:
        self.items.append(Problem(self._display(file), line or 0, message, hint, Severity.ERROR))

    def warning(self, file: Path | str, line: int | None, message: str, hint: str = "") -> None:
        self.items.append(Problem(self._display(file), line or 0, message, hint, Severity.WARNING))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.WARNING]

    def sorted(self) -> list[Problem]:
        return sorted(set(self.items))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean' hint for a misspelt name, or '' when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""
