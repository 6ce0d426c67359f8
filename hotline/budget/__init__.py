"""A time budget for every request: past it, or on any error, the caller gets a safe answer.

Twilio waits 15 seconds for a webhook, then plays an error or drops the text. gunicorn's worker
timeout does not help here: a gthread worker's heartbeat comes from its main loop, so one stuck
request thread is never killed, and signal-based alarms only work in a process's main thread.
So each server thread hands its requests to a thread of its own (two bare locks per request) and
waits at most the budget; if the answer is late, the waiting thread sends the static 911-and-office
document instead. The late thread finishes (or stays stuck) on its own without touching the
connection, because the request body is read into memory first.

Under gunicorn (its gthread worker puts the connection in `environ["gunicorn.socket"]`) a webhook
runs on gunicorn's own thread instead, with no hand-off: one watchdog thread per process keeps the
pending requests' deadlines, in order because the budget is constant. Whoever claims a request
first answers it: the request's thread when the app returns in time, or else the watchdog, which
writes the static document to the socket itself and shuts the socket for writing, so the late
answer's write fails quietly (gunicorn ignores EPIPE). A stuck app would keep gunicorn's thread,
so the watched path keeps one of the worker's threads free (HOTLINE_THREADS, as in
gunicorn.conf.py) and is left while a late request is still running: meanwhile requests take
the hand-off, which never holds gunicorn's thread past the budget.

The same wrapper is the last net for answers Twilio would count as failures: a webhook path that
answers with an error status (a 500, or a 404 for an address no route matches) gets the static
document too. Only 403, for requests without Twilio's signature, goes out as it is.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

from hotline.budget.answers import StartResponse, WsgiApp, answer, answer_safely, safe_answer
from hotline.budget.handoff import Runner, Seat, buffer_body, run_app
from hotline.budget.watchdog import Pending, Watchdog, own_connection
from hotline.config import ConfigError

log = logging.getLogger(__name__)

ENV_NAME = "HOTLINE_REQUEST_BUDGET_SECONDS"
DEFAULT_SECONDS = 5.0
# Twilio gives up at 15 s; the answer must leave well before, network time included.
MAX_SECONDS = 14.0
# Threads a worker process may have running requests, stuck ones included.
POOL_SIZE = 32
# gunicorn's threads per worker when HOTLINE_THREADS is unset, as in gunicorn.conf.py.
DEFAULT_THREADS = 4


def budget_seconds(env: Mapping[str, str]) -> float:
    """The budget from HOTLINE_REQUEST_BUDGET_SECONDS (5 s by default; 0 turns it off)."""
    raw = env.get(ENV_NAME, "").strip()
    if not raw:
        return DEFAULT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if seconds == 0 or 0 < seconds <= MAX_SECONDS:
        return seconds
    raise ConfigError(
        f"{ENV_NAME} is '{raw}'; set it to the seconds a request may take before the caller "
        f"gets the safe answer, more than 0 and at most {MAX_SECONDS:g} (Twilio waits 15), "
        f"such as {DEFAULT_SECONDS:g}. Leave it unset for {DEFAULT_SECONDS:g}."
    )


class RequestBudget:
    """WSGI middleware that answers every webhook within `seconds`, whatever the app does."""

    def __init__(
        self,
        app: WsgiApp,
        seconds: float,
        pool_size: int = POOL_SIZE,
        threads: int = DEFAULT_THREADS,
    ) -> None:
        self.app = app
        self.seconds = seconds
        self.pool_size = pool_size
        self._watchdog = Watchdog(seconds, threads)
        self._mine = threading.local()
        self._lock = threading.Lock()
        # Runners alive in this process, stuck ones included, to keep their number bounded.
        self._running: weakref.WeakSet[Runner] = weakref.WeakSet()
        self._running_pid = os.getpid()

    def _runner(self) -> Runner | None:
        """This server thread's runner, started on its first request (None past the limit)."""
        mine = self._mine
        runner = getattr(mine, "runner", None)
        # gunicorn forks workers after the app is built: a runner from before the fork is gone.
        pid = os.getpid()
        if runner is not None and not runner.abandoned and mine.pid == pid:
            return runner
        with self._lock:
            if self._running_pid != pid:
                self._running, self._running_pid = weakref.WeakSet(), pid
            if len(self._running) >= self.pool_size:
                return None
            runner = Runner(self.app, self._running)
            self._running.add(runner)
        runner.start()
        # Servers that start a thread per request (the dev server) end it after the request;
        # the seat goes with the thread's locals and takes its runner with it.
        seat = Seat()
        weakref.finalize(seat, runner.retire)
        mine.runner, mine.pid, mine.seat = runner, pid, seat
        return runner

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        sock = own_connection(environ)
        if sock is not None and safe_answer(path) is not None:
            pending = self._watchdog.watch(path, sock)
            if pending is not None:
                return self._watched(environ, start_response, path, pending)
        buffer_body(environ)
        runner = self._runner()
        if runner is None:
            log.error(
                "%s found %d request threads busy or stuck; the caller got the safe answer",
                path,
                self.pool_size,
            )
            return answer_safely(path, start_response)
        if not runner.run(environ, self.seconds):
            log.error(
                "%s took longer than its %g s budget; the caller got the safe answer",
                path,
                self.seconds,
            )
            return answer_safely(path, start_response)
        result, error = runner.result, runner.error
        runner.result = runner.error = None
        if result is None:
            log.error(
                "%s failed outside its handler; the caller got the safe answer",
                path,
                exc_info=error,
            )
            return answer_safely(path, start_response)
        return answer(path, result, start_response)

    def _watched(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        path: str,
        pending: Pending,
    ) -> Iterable[bytes]:
        """Run the app on this thread, while the watchdog keeps the deadline."""
        try:
            result = run_app(self.app, environ)
        except BaseException as error:
            if self._watchdog.claim(pending):
                log.error(
                    "%s failed outside its handler; the caller got the safe answer",
                    path,
                    exc_info=error,
                )
            return answer_safely(path, start_response)
        if not self._watchdog.claim(pending):
            # Answered already; gunicorn's write of this meets the closed socket and stops there.
            return answer_safely(path, start_response)
        return answer(path, result, start_response)


def install(app: Any, env: Mapping[str, str]) -> None:
    """Put the request budget in front of a Flask app, unless it is set to 0."""
    seconds = budget_seconds(env)
    if seconds:
        app.wsgi_app = RequestBudget(app.wsgi_app, seconds, threads=_threads(env))


def _threads(env: Mapping[str, str]) -> int:
    """gunicorn's threads per worker, read as gunicorn.conf.py reads them (1 when unreadable)."""
    try:
        return int(env.get("HOTLINE_THREADS", "").strip() or DEFAULT_THREADS)
    except ValueError:
        return 1
