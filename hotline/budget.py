"""A time budget for every request: past it, or on any error, the caller gets a safe answer.

Twilio waits 15 seconds for a webhook, then plays an error or drops the text. gunicorn's worker
timeout does not help here: a gthread worker's heartbeat comes from its main loop, so one stuck
request thread is never killed, and signal-based alarms only work in a process's main thread.
So each request runs in a small per-process thread pool while the server's own thread waits at
most the budget; if the answer is late, the waiting thread sends the static 911-and-office
document instead. The late thread finishes (or stays stuck) on its own without touching the
connection, because the request body is read into memory first.

The same wrapper is the last net for answers Twilio would count as failures: a webhook path that
answers with an error status (a 500, or a 404 for an address no route matches) gets the static
document too. Only 403, for requests without Twilio's signature, goes out as it is.
"""

from __future__ import annotations

import io
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from hotline.config import ConfigError
from hotline.safe_twiml import LAST_RESORT_SMS, LAST_RESORT_VOICE

log = logging.getLogger(__name__)

ENV_NAME = "HOTLINE_REQUEST_BUDGET_SECONDS"
DEFAULT_SECONDS = 5.0
# Twilio gives up at 15 s; the answer must leave well before, network time included.
MAX_SECONDS = 14.0
# Twilio's webhook bodies are a few kilobytes; only bodies up to this size are read up front.
MAX_BUFFERED_BODY = 1 << 20
# Threads a worker process may have running requests, stuck ones included.
POOL_SIZE = 32

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


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


def safe_answer(path: str) -> tuple[str, bytes] | None:
    """The static TwiML for a webhook path, or None for paths that are not webhooks."""
    if path == "/voice" or path.startswith("/voice/"):
        return "200 OK", LAST_RESORT_VOICE.encode("utf-8")
    if path == "/sms" or path.startswith("/sms/"):
        return "200 OK", LAST_RESORT_SMS.encode("utf-8")
    return None


class _Job:
    """One request handed to a pool thread; `done` is released when it has an answer."""

    __slots__ = ("abandoned", "app", "done", "environ", "error", "result")

    def __init__(self, app: WsgiApp, environ: dict[str, Any]) -> None:
        self.app, self.environ = app, environ
        self.result: tuple[str, list[tuple[str, str]], list[bytes]] | None = None
        self.error: BaseException | None = None
        self.abandoned = False
        self.done = threading.Lock()
        self.done.acquire()


class _Pool:
    """Daemon threads fed from one queue, started as needed up to `size`.

    Lighter than concurrent.futures (a bare lock per request, no Future), because the hand-off
    is paid on every request; daemon threads, so a stuck one never holds up a worker's exit.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.threads = 0
        self.idle = 0
        self._lock = threading.Lock()

    def submit(self, job: _Job) -> None:
        with self._lock:
            if self.idle == 0 and self.threads < self.size:
                self.threads += 1
                threading.Thread(target=self._serve, name="budget", daemon=True).start()
            else:
                self.idle -= 1
        self.jobs.put(job)

    def _serve(self) -> None:
        while True:
            job = self.jobs.get()
            if not job.abandoned:
                try:
                    job.result = _run(job.app, job.environ)
                except BaseException as error:  # handed to the waiting thread, which logs it
                    job.error = error
                job.done.release()
            with self._lock:
                self.idle += 1


class RequestBudget:
    """WSGI middleware that answers every webhook within `seconds`, whatever the app does."""

    def __init__(self, app: WsgiApp, seconds: float, pool_size: int = POOL_SIZE) -> None:
        self.app = app
        self.seconds = seconds
        self.pool_size = pool_size
        self._pool: _Pool | None = None
        self._pool_pid = 0
        self._lock = threading.Lock()

    def _threads(self) -> _Pool:
        # gunicorn forks workers after the app is built; each process needs its own threads.
        pid = os.getpid()
        if self._pool is None or self._pool_pid != pid:
            with self._lock:
                if self._pool is None or self._pool_pid != pid:
                    self._pool = _Pool(self.pool_size)
                    self._pool_pid = pid
        return self._pool

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        _buffer_body(environ)
        job = _Job(self.app, environ)
        self._threads().submit(job)
        if not job.done.acquire(timeout=self.seconds):
            job.abandoned = True
            log.error(
                "%s took longer than its %g s budget; the caller got the safe answer",
                path,
                self.seconds,
            )
            return _answer_safely(path, start_response)
        if job.result is None:
            log.error(
                "%s failed outside its handler; the caller got the safe answer",
                path,
                exc_info=job.error,
            )
            return _answer_safely(path, start_response)
        status, headers, body = job.result
        if _fails_the_caller(path, status):
            log.error("%s answered %s; the caller got the safe answer instead", path, status[:3])
            return _answer_safely(path, start_response)
        start_response(status, headers)
        return body


def install(app: Any, env: Mapping[str, str]) -> None:
    """Put the request budget in front of a Flask app, unless it is set to 0."""
    seconds = budget_seconds(env)
    if seconds:
        app.wsgi_app = RequestBudget(app.wsgi_app, seconds)


def _fails_the_caller(path: str, status: str) -> bool:
    """A webhook answer Twilio would treat as a failure (403 is kept: it is for non-Twilio)."""
    return safe_answer(path) is not None and not status.startswith(("2", "403"))


def _buffer_body(environ: dict[str, Any]) -> None:
    """Read the body now, so a late request thread never reads from a reused connection."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if 0 < length <= MAX_BUFFERED_BODY:
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length))


def _run(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], list[bytes]]:
    """Run the app to completion and return its status, headers and whole body."""
    started: dict[str, Any] = {}
    chunks: list[bytes] = []

    def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
        started["status"], started["headers"] = status, headers
        return chunks.append

    result = app(environ, capture)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return started["status"], started["headers"], chunks


def _answer_safely(path: str, start_response: StartResponse) -> Iterable[bytes]:
    status, body = safe_answer(path) or ("503 Service Unavailable", b"Try again shortly.\n")
    mimetype = "text/xml" if status.startswith("2") else "text/plain"
    start_response(
        status,
        [
            ("Content-Type", f"{mimetype}; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]
