"""The content in use, shared by every request, and what is derived from it."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hotline.content.load import load_content
from hotline.content.model import Content
from hotline.content.problems import ProblemList

T = TypeVar("T")


class ContentError(Exception):
    """The content has errors; the message lists them for staff."""

    def __init__(self, problems: ProblemList) -> None:
        self.problems = problems
        lines = [p.format() for p in problems.sorted() if p in problems.errors]
        super().__init__("The menus and messages have errors:\n" + "\n".join(lines))


@dataclass(frozen=True)
class Rejection:
    """A newer edit of the content that was not served because it has errors."""

    version: str
    errors: int
    warnings: int
    at: dt.datetime


@dataclass
class ContentStore:
    """Holds the last good content; renderers derived from it are built once per version."""

    menus_dir: Path
    messages_dir: Path
    content: Content
    problems: ProblemList
    # The newest edit, when it was rejected; None when the newest edit is the one served.
    rejected: Rejection | None = None
    # None: the sources/ folder beside the menus folder.
    sources_dir: Path | None = None
    _derived: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(
        cls, menus_dir: Path, messages_dir: Path, sources_dir: Path | None = None
    ) -> ContentStore:
        result = load_content(menus_dir, messages_dir, menus_dir.parent, sources_dir)
        if result.content is None:
            raise ContentError(result.problems)
        return cls(
            menus_dir, messages_dir, result.content, result.problems, sources_dir=sources_dir
        )

    def derived(self, name: str, build: Callable[[Content], T]) -> T:
        """A renderer or index for the current content, built on first use."""
        content = self.content
        key = f"{name}:{content.version}"
        value = self._derived.get(key)
        if value is None:
            with self._lock:
                value = self._derived.get(key)
                if value is None:
                    value = build(content)
                    self._derived = {
                        k: v for k, v in self._derived.items() if k.endswith(content.version)
                    } | {key: value}
        return value

    def replace(self, content: Content, problems: ProblemList) -> None:
        """Serve new content from the next request on."""
        self.content = content
        self.problems = problems
        self.rejected = None

    def reject(self, rejection: Rejection) -> None:
        """Keep serving the current content; remember that a newer edit was refused."""
        self.rejected = rejection
