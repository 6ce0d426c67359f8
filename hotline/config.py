"""What every setting shares: the words for 'off', the error a wrong one raises, a collector.

The environment itself is read in one place, hotline/settings.py; the parsers of each part's
settings (limits, content reloads, logs) raise ConfigError, and Settings collects them all so
staff see every problem at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
# Any of these switches off a setting that can be off (a limit, reloads, the console, /metrics).
OFF_WORDS = frozenset({"off", "no", "none", "false", "never"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def is_off(text: str) -> bool:
    return text.strip().lower() in OFF_WORDS


class ConfigError(Exception):
    """Settings are missing or wrong; the message says which and how to fix each one."""

    def __init__(self, *problems: str) -> None:
        self.problems = problems
        if len(problems) == 1:
            message = problems[0]
        else:
            message = f"{len(problems)} settings need fixing:\n" + "\n".join(
                f"- {problem}" for problem in problems
            )
        super().__init__(message)


class Problems:
    """Collects the problems of every setting read, to report them all in one ConfigError."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, problem: str) -> None:
        self.found.append(problem)

    def check(self, parse: Callable[..., T], *args: object, fallback: T) -> T:
        """`parse(*args)`, or `fallback` when it raises ConfigError (whose problems are kept)."""
        try:
            return parse(*args)
        except ConfigError as error:
            self.found.extend(error.problems)
            return fallback

    def raise_any(self) -> None:
        if self.found:
            raise ConfigError(*self.found)
