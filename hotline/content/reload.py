"""Serve edited content without a restart, and never serve content with errors.

Each request first asks the reloader whether it is time to look (a clock comparison). At most
every HOTLINE_RELOAD_SECONDS, one request compares the files' names, sizes and modification
times with the last look. When they changed and the files have settled, that request starts a
background thread and goes on at once: the thread loads and validates the new version and swaps
it in, or keeps the last good one, records the rejection for /healthz and logs the problems
(file, line and what is wrong; never the content's text). One look or load runs at a time per
process. The thread is started from a request, never at import, so gunicorn's preloading
master forks no thread; a process forked anyway starts afresh, without the parent's lock.

HOTLINE_RELOAD_SECONDS=0 is the synchronous contract, for tests and for staff previewing edits on
their own machine: every request looks, and loads an edit before it is answered; a request that
arrives while another loads waits for that load, so no answer reflects files older than the
request. `wait()` lets a test wait for a background load to finish.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path

from hotline.config import OFF_WORDS, ConfigError
from hotline.content.load import content_files, content_version, load_content
from hotline.content.problems import ProblemList
from hotline.content.store import ContentStore, Rejection

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 3.0
# A file written this recently may still be being written: wait before reading it.
MAX_SETTLE_SECONDS = 2.0
# Synchronous mode: how long a request waits for another request's load before it goes on.
SYNCHRONOUS_WAIT_SECONDS = 10.0

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


def signature(menus_dir: Path, messages_dir: Path, sources_dir: Path | None = None) -> Signature:
    """Names, modification times and sizes of the content files: cheap to take on a request."""
    entries = []
    for path in content_files(menus_dir, messages_dir, sources_dir):
        try:
            stat = path.stat()
        except OSError:
            entries.append((str(path), -1, -1))
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def _call(method: weakref.WeakMethod) -> None:
    """Call a method held weakly, unless its object is gone."""
    bound = method()
    if bound is not None:
        bound()


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
        # 0 seconds: look and load within the request (see the module docstring).
        self.in_background = interval > 0
        self.clock = clock
        self.wall_clock = wall_clock
        self._seen = signature(store.menus_dir, store.messages_dir, store.sources_dir)
        self._next_look = clock() + interval
        self._start_afresh()
        # A forked worker inherits neither the parent's thread nor a lock it held: start afresh.
        os.register_at_fork(
            after_in_child=functools.partial(_call, weakref.WeakMethod(self._start_afresh))
        )

    def _start_afresh(self) -> None:
        # Held from a look until its load is done, which may be in the background thread.
        self._busy = threading.Lock()
        self._loader: threading.Thread | None = None

    def maybe_reload(self) -> None:
        """Look for edits if it is time; never raises, so a caller is never failed by it."""
        if self.clock() < self._next_look:
            return
        # One thread looks or loads. In the background mode the others go on serving the content
        # in use; in the synchronous mode they wait, or they could answer from files already
        # edited before they arrived (the staff console asks for problems and map at once).
        if self.in_background:
            acquired = self._busy.acquire(blocking=False)
        else:
            acquired = self._busy.acquire(timeout=SYNCHRONOUS_WAIT_SECONDS)
        if not acquired:
            return
        handed_off = False
        try:
            self._next_look = self.clock() + self.interval
            edited = self._look()
            if edited is not None and self.in_background:
                self._loader = threading.Thread(
                    target=self._load_in_background,
                    args=(edited,),
                    name="hotline-content-reload",
                    daemon=True,
                )
                self._loader.start()
                handed_off = True
            elif edited is not None:
                self._load(edited)
        except Exception:
            log.exception("checking for edited content failed; still serving the current version")
        finally:
            if not handed_off:
                self._busy.release()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background load to finish; False if it still runs after `timeout` seconds."""
        loader = self._loader
        if loader is None:
            return True
        loader.join(timeout)
        return not loader.is_alive()

    def _look(self) -> Signature | None:
        """The files' new signature when they changed and have settled, else None."""
        store = self.store
        now = signature(store.menus_dir, store.messages_dir, store.sources_dir)
        if now == self._seen:
            return None
        newest = max((entry[1] for entry in now), default=0) / 1e9
        age = self.wall_clock() - newest
        if age < self.settle:
            # Still being saved: look again once it has had time to settle.
            self._next_look = self.clock() + min(self.settle - age, self.interval)
            return None
        return now

    def _load_in_background(self, before: Signature) -> None:
        try:
            self._load(before)
        except Exception:
            log.exception("loading edited content failed; still serving the current version")
        finally:
            self._busy.release()

    def _load(self, before: Signature) -> None:
        store = self.store
        result = load_content(
            store.menus_dir, store.messages_dir, store.menus_dir.parent, store.sources_dir
        )
        if signature(store.menus_dir, store.messages_dir, store.sources_dir) != before:
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
