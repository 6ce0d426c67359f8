"""The content in use, shared by every request, and what is derived from it."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from hotline.blocking import off_the_loop
from hotline.content.load import content_files, load_content, load_to_serve
from hotline.content.model import Content
from hotline.content.problems import ProblemList
from hotline.content.snapshot import Snapshot

log = logging.getLogger(__name__)
T = TypeVar("T")
Signature = tuple[tuple[str, int, int], ...]


def signature(menus_dir: Path, messages_dir: Path, sources_dir: Path | None = None) -> Signature:
    """Names, modification times and sizes of the content files: cheap to take."""
    entries = []
    for path in content_files(menus_dir, messages_dir, sources_dir):
        try:
            stat = path.stat()
        except OSError:
            entries.append((str(path), -1, -1))
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def edit_version(seen: Signature) -> str:
    """A name for an edit that was not accepted: a hash of its files' names, times and sizes.

    Not of their bytes, as an accepted version is: what was refused may not be read again.
    """
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:12]


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

    @classmethod
    def of(cls, version: str, problems: ProblemList) -> Rejection:
        errors = len(set(problems.errors))
        return cls(version, errors, len(problems.warnings), dt.datetime.now(dt.UTC))


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
        cls,
        menus_dir: Path,
        messages_dir: Path,
        sources_dir: Path | None = None,
        last_good: Snapshot | None = None,
    ) -> ContentStore:
        """The content in the folders, kept as the last good version; when it has errors, the
        last good version kept before (a restart after a rejected edit), else ContentError."""
        result = load_to_serve(menus_dir, messages_dir, menus_dir.parent, sources_dir)
        if result.content is not None:
            if last_good is not None:
                last_good.save(result.content.version)
            return cls(
                menus_dir, messages_dir, result.content, result.problems, sources_dir=sources_dir
            )
        kept = last_good.load() if last_good is not None else None
        if kept is None or kept.content is None:
            raise ContentError(result.problems)
        store = cls(menus_dir, messages_dir, kept.content, kept.problems, sources_dir=sources_dir)
        rejected = Rejection.of(
            edit_version(signature(menus_dir, messages_dir, sources_dir)), result.problems
        )
        store.reject(rejected)
        log.warning(
            "the content in %s has %d error(s); serving the last good version %s, kept in %s. "
            "Run 'hotline check' to see and fix them.",
            menus_dir.parent,
            rejected.errors,
            kept.content.version,
            last_good.root if last_good is not None else "",
        )
        return store

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

    def checked(self) -> ProblemList:
        """Every problem of the content served, as `hotline check` reports them, advice included.

        The server loads content without the advice (load_to_serve); staff asking for it pay for
        it once per version, on a real thread in a gevent worker so calls go on being answered.
        While an edit is on disk but not yet served, the problems found when loading are given.
        """
        content = self.content
        key = f"checked:{content.version}"
        found = self._derived.get(key)
        if found is not None:
            return found
        result = off_the_loop(
            load_content, self.menus_dir, self.messages_dir, self.menus_dir.parent, self.sources_dir
        )
        if result.content is None or result.content.version != content.version:
            return self.problems  # the files are not what is served: not kept for this version
        return self.derived("checked", lambda _: result.problems)

    def replace(
        self, content: Content, problems: ProblemList, keep_rejection: bool = False
    ) -> None:
        """Serve new content from the next request on; it is the newest edit unless told."""
        self.content = content
        self.problems = problems
        if not keep_rejection:
            self.rejected = None

    def reject(self, rejection: Rejection) -> None:
        """Keep serving the current content; remember that a newer edit was refused."""
        self.rejected = rejection
