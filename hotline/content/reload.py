"""Serve edited content without a restart, and never serve content with errors.

Each request first asks the reloader whether it is time to look (at most every few seconds). It
compares the files' names, sizes and modification times with the last look; when they changed,
it loads and validates the new version and swaps it in, or keeps the last good one and logs the
problems (file, line and what is wrong; never the content's text). No thread is started, so it
works the same in every gunicorn worker, before or after a fork.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from hotline.config import ConfigError
from hotline.content.load import content_files, content_version, load_content
from hotline.content.problems import ProblemList
from hotline.content.store import ContentStore, Rejection

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 3.0
# A file written this recently may still be being written: wait before reading it.
MAX_SETTLE_SECONDS = 2.0
OFF_WORDS = frozenset({"off", "no", "false", "never"})

Signature = tuple[tuple[str, int, int], ...]


def reload_interval(env: Mapping[str, str]) -> float | None:
    """Seconds between looks from HOTLINE_RELOAD_SECONDS (default 3); None when it is off."""
    raw = env.get("HOTLINE_RELOAD_SECONDS", "").strip().lower()
    if not raw:
        return DEFAULT_SECONDS
    if raw in OFF_WORDS:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise ConfigError(
            f"HOTLINE_RELOAD_SECONDS is '{raw}'; set it to seconds between checks for edited "
            "content (such as 3, or 0 to check on every request), or 'off'"
        )
    return seconds


def signature(menus_dir: Path, messages_dir: Path) -> Signature:
    """Names, modification times and sizes of the content files: cheap to take on a request."""
    entries = []
    for path in content_files(menus_dir, messages_dir):
        try:
            stat = path.stat()
        except OSError:
            entries.append((str(path), -1, -1))
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


class Reloader:
    """Watches one store's folders; `maybe_reload` is safe to call from any thread."""

    def __init__(
        self,
        store: ContentStore,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.interval = interval
        self.settle = min(interval, MAX_SETTLE_SECONDS)
        self.clock = clock
        self.wall_clock = wall_clock
        self._seen = signature(store.menus_dir, store.messages_dir)
        self._next_look = clock() + interval
        self._lock = threading.Lock()

    def maybe_reload(self) -> None:
        """Look for edits if it is time; never raises, so a caller is never failed by it."""
        if self.clock() < self._next_look:
            return
        # One thread looks; the others go on serving the content in use.
        if not self._lock.acquire(blocking=False):
            return
        try:
            self._next_look = self.clock() + self.interval
            self._look()
        except Exception:
            log.exception("checking for edited content failed; still serving the current version")
        finally:
            self._lock.release()

    def _look(self) -> None:
        store = self.store
        before = signature(store.menus_dir, store.messages_dir)
        if before == self._seen:
            return
        newest = max((entry[1] for entry in before), default=0) / 1e9
        if self.wall_clock() - newest < self.settle:
            self._next_look = self.clock()  # still being saved: look again on the next request
            return
        result = load_content(store.menus_dir, store.messages_dir, base=store.menus_dir.parent)
        if signature(store.menus_dir, store.messages_dir) != before:
            self._next_look = self.clock()  # changed while we read it: read it again
            return
        self._seen = before
        if result.content is None:
            self._reject(before, result.problems)
            return
        if result.content.version != store.content.version:
            log.info(
                "content reloaded: now serving version %s (was %s)",
                result.content.version,
                store.content.version,
            )
        store.replace(result.content, result.problems)

    def _reject(self, seen: Signature, problems: ProblemList) -> None:
        store = self.store
        version = content_version([Path(name) for name, _, _ in seen])
        errors = sorted(set(problems.errors))
        store.reject(
            Rejection(version, len(errors), len(problems.warnings), dt.datetime.now(dt.UTC))
        )
        log.warning(
            "edited content %s rejected with %d error(s); still serving version %s. Run "
            "'hotline check' for hints.",
            version,
            len(errors),
            store.content.version,
        )
        for problem in errors:
            # File, line and what is wrong only: hints may quote the content's text.
            where = f"{problem.file}:{problem.line}" if problem.line else problem.file
            log.warning("  %s: %s", where, problem.message)
