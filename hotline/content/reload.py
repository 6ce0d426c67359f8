"""Serve edited content without a restart, and never serve content with errors.

Each request first asks the reloader whether it is time to look (a clock comparison). At most
every HOTLINE_RELOAD_SECONDS, one request starts a background thread and goes on at once: the
thread compares the files' names, sizes and modification times with the last look and, when they
changed and have settled, loads and validates the new version and swaps it in, or keeps the last
good one, records the rejection for /healthz and logs the problems (file, line and what is
wrong; never the content's text). Requests never touch the content's files themselves, so a
folder on a network mount that stops answering stalls only that thread.

One load runs at a time per process, for at most LOAD_DEADLINE_SECONDS: a load still running
then is reported as stuck (log and /healthz) and left behind, and the next look starts afresh.
Its thread cannot be stopped; if it ever returns, what it read is thrown away.

Files settle before they are read: an edit saved moments ago may still be being written. A file
is settled when its time is older than the settle period, or when this process has seen it
unchanged for that long: a file dated in the future (copied from a machine whose clock is ahead)
is loaded too, with a warning.

Every accepted version is kept on disk (hotline/content/snapshot.py), so that a process started
while an edit is rejected (a restart, a worker gunicorn forked from the master anew) serves the
last good version and not the one it booted with.

The thread is started from a request, never at import, so gunicorn's preloading master forks no
thread; a process forked anyway starts afresh, without the parent's load, and first takes up the
last good version kept on disk if it is not the one it inherited.

HOTLINE_RELOAD_SECONDS=0 is the synchronous contract, for tests and for staff previewing edits on
their own machine: every request looks, and loads an edit before it is answered; a request that
arrives while another loads waits for that load (within its deadline), so no answer reflects
files older than the request. `wait()` lets a test wait for a background load to finish.
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
from dataclasses import dataclass, field

from hotline.blocking import off_the_loop
from hotline.config import OFF_WORDS, ConfigError
from hotline.content.load import load_to_serve
from hotline.content.problems import ProblemList
from hotline.content.snapshot import Snapshot
from hotline.content.store import ContentStore, Rejection, Signature, edit_version, signature

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 3.0
# A file written this recently may still be being written: wait before reading it.
MAX_SETTLE_SECONDS = 2.0
# The largest content allowed (hotline/content/caps.py) loads in about a second; a load still
# running after this waits for a file system that does not answer.
LOAD_DEADLINE_SECONDS = 30.0
# Synchronous mode: how long a request waits for a load before it goes on without it.
SYNCHRONOUS_WAIT_SECONDS = 5.0
# Stuck loads left behind (their threads cannot be stopped) before no new load is started.
MAX_STUCK_LOADS = 2


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


def _call(method: weakref.WeakMethod) -> None:  # type: ignore[type-arg]
    """Call a method held weakly, unless its object is gone."""
    bound = method()
    if bound is not None:
        bound()


@dataclass(eq=False)
class Load:
    """One look (and load) of the content's files, from start to finish."""

    started: float
    started_at: dt.datetime
    done: threading.Event = field(default_factory=threading.Event)
    # Set when the load passed its deadline: whatever it reads is thrown away.
    abandoned: bool = False


@dataclass(frozen=True)
class ReloadStatus:
    """What /healthz tells about reloading in this process."""

    loading_since: dt.datetime | None
    stuck: bool
    stuck_loads: int


class Reloader:
    """Watches one store's folders; `maybe_reload` is safe to call from any thread."""

    def __init__(
        self,
        store: ContentStore,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        snapshot: Snapshot | None = None,
        deadline: float | None = None,
    ) -> None:
        self.store = store
        self.interval = interval
        self.settle = min(interval, MAX_SETTLE_SECONDS)
        # 0 seconds: look and load within the request (see the module docstring).
        self.in_background = interval > 0
        self.clock = clock
        self.wall_clock = wall_clock
        self.snapshot = snapshot
        self.deadline = LOAD_DEADLINE_SECONDS if deadline is None else deadline
        self._seen = signature(store.menus_dir, store.messages_dir, store.sources_dir)
        # A signature seen changed but not yet settled, and when this process first saw it.
        self._pending: tuple[Signature, float] | None = None
        self._next_look = clock() + interval
        self._start_afresh()
        # A forked worker inherits neither the parent's thread nor a lock it held: start afresh.
        os.register_at_fork(
            after_in_child=functools.partial(_call, weakref.WeakMethod(self._after_fork))
        )

    def _start_afresh(self) -> None:
        # Guards the fields below; held only for a few assignments, never across I/O or a log.
        self._mutex = threading.Lock()
        self._load: Load | None = None
        self._stuck = 0
        self._loader: threading.Thread | None = None

    def _after_fork(self) -> None:
        self._start_afresh()
        self._next_look = self.clock()  # look at the files at the first request
        self._take_up_snapshot()

    def _take_up_snapshot(self) -> None:
        """Serve the last good version kept on disk, if it is not the one served."""
        snapshot = self.snapshot
        if snapshot is None or snapshot.version() in (None, self.store.content.version):
            return
        try:
            result = snapshot.load()
        except Exception:
            log.exception("the last good content kept on disk could not be read")
            return
        if result is not None and result.content is not None:
            log.warning(
                "serving the last good content version %s kept on disk (this process started "
                "with version %s)",
                result.content.version,
                self.store.content.version,
            )
            self.store.replace(result.content, result.problems, keep_rejection=True)

    def maybe_reload(self) -> None:
        """Look for edits if it is time; never raises, so a caller is never failed by it."""
        if self.clock() < self._next_look:
            return
        try:
            if self.in_background:
                load = self._begin()
                if load is not None:
                    self._start(load)
            else:
                self._reload_now()
        except Exception:
            log.exception("checking for edited content failed; still serving the current version")

    def _begin(self) -> Load | None:
        """Start a look unless one runs within its deadline (or too many are stuck)."""
        abandoned = None
        with self._mutex:
            now = self.clock()
            current = self._load
            if current is not None and now - current.started >= self.deadline:
                current.abandoned = True
                self._stuck += 1
                self._load = current = None
                abandoned = self._stuck
            if current is None and self._stuck < MAX_STUCK_LOADS:
                self._next_look = now + self.interval
                current = self._load = Load(now, dt.datetime.now(dt.UTC))
                started = current
            else:
                started = None
        if abandoned is not None:
            log.error(
                "loading edited content has taken more than %.0f s (is the content folder on "
                "a network mount that does not answer?); still serving version %s. %d load(s) "
                "stuck; %s",
                self.deadline,
                self.store.content.version,
                abandoned,
                "trying again" if started else "no new load is started until one returns",
            )
        return started

    def _start(self, load: Load) -> None:
        loader = threading.Thread(
            target=self._run, args=(load,), name="hotline-content-reload", daemon=True
        )
        self._loader = loader
        try:
            loader.start()
        except RuntimeError:
            self._finish(load)
            raise

    def _reload_now(self) -> None:
        """Synchronously: wait for a load another request started, then for a look of our own.

        The look runs in a thread of its own all the same, so a read that never returns holds
        a request for SYNCHRONOUS_WAIT_SECONDS at most.
        """
        for _ in range(2):
            load = self._begin()
            if load is not None:
                self._start(load)
            running = self._load
            if running is None:
                return  # nothing to wait for, or too many stuck loads: serve what there is
            left = running.started + self.deadline - self.clock()
            running.done.wait(max(0.0, min(left, SYNCHRONOUS_WAIT_SECONDS)))
            if load is not None:
                return

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background load to finish; False if it still runs after `timeout` seconds."""
        loader = self._loader
        if loader is None:
            return True
        loader.join(timeout)
        return not loader.is_alive()

    def status(self) -> ReloadStatus:
        load = self._load
        overdue = load is not None and self.clock() - load.started >= self.deadline
        return ReloadStatus(
            loading_since=None if load is None else load.started_at,
            stuck=overdue or self._stuck > 0,
            stuck_loads=self._stuck + (1 if overdue else 0),
        )

    def _run(self, load: Load) -> None:
        try:
            edited = self._look()
            if edited is not None:
                self._load_edit(edited, load)
        except Exception:
            log.exception("loading edited content failed; still serving the current version")
        finally:
            self._finish(load)

    def _finish(self, load: Load) -> None:
        with self._mutex:
            if load.abandoned:
                self._stuck -= 1
            elif self._load is load:
                self._load = None
        load.done.set()
        if load.abandoned:
            log.warning("a content load that was stuck has returned; what it read is not used")

    def _look(self) -> Signature | None:
        """The files' new signature when they changed and have settled, else None."""
        store = self.store
        # Off the event loop in a gevent worker: a network mount may not answer a stat either.
        now = off_the_loop(signature, store.menus_dir, store.messages_dir, store.sources_dir)
        if now == self._seen:
            self._pending = None
            return None
        newest = max((entry[1] for entry in now), default=0) / 1e9
        age = self.wall_clock() - newest
        if age >= self.settle:
            return now
        pending = self._pending
        if pending is None or pending[0] != now:
            pending = self._pending = (now, self.clock())
        unchanged_for = self.clock() - pending[1]
        if unchanged_for >= self.settle:
            if age < 0:
                log.warning(
                    "content files are dated %.0f s in the future (the clock of the machine "
                    "that saved or copied them is ahead); loading them, as they have not "
                    "changed for %.0f s",
                    -age,
                    unchanged_for,
                )
            return now
        # Still being saved: look again once it has had time to settle.
        wait = self.settle - max(age, unchanged_for)
        self._next_look = self.clock() + min(wait, self.interval)
        return None

    def _load_edit(self, before: Signature, load: Load) -> None:
        store = self.store
        result = off_the_loop(
            load_to_serve,
            store.menus_dir,
            store.messages_dir,
            store.menus_dir.parent,
            store.sources_dir,
        )
        if signature(store.menus_dir, store.messages_dir, store.sources_dir) != before:
            self._next_look = self.clock()  # changed while we read it: read it again
            return
        with self._mutex:
            if load.abandoned:
                return  # past its deadline: a newer look owns the store now
            self._seen = before
            self._pending = None
            accepted = result.content
            previous = store.content.version
            if accepted is not None:
                store.replace(accepted, result.problems)
        if accepted is None:
            self._reject(before, result.problems)
            return
        if accepted.version != previous:
            log.warning(
                "content edit accepted: now serving version %s (was %s)",
                accepted.version,
                previous,
            )
        if self.snapshot is not None:
            self.snapshot.save(accepted.version)

    def _reject(self, seen: Signature, problems: ProblemList) -> None:
        store = self.store
        version = edit_version(seen)
        errors = sorted(set(problems.errors))
        store.reject(Rejection.of(version, problems))
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
        self._take_up_snapshot()
