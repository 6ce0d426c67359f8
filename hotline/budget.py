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

import functools
import io
import logging
import os
import select
import socket
import ssl
import threading
import time
import weakref
from collections import deque
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
# gunicorn's threads per worker when HOTLINE_THREADS is unset, as in gunicorn.conf.py.
DEFAULT_THREADS = 4
# The watchdog's answer is a few kilobytes into an idle connection; a client that does not take
# it within this time holds up the other deadlines no longer.
SEND_SECONDS = 0.5

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


class _Runner:
    """A thread that runs the requests of one server thread, one at a time.

    Each server thread keeps its own runner, so a hand-off is two bare locks: no queue, no shared
    pool lock, no object per request. A runner whose request ran late is abandoned: it finishes
    (or stays stuck) on its own, then ends, and its server thread starts a new one.
    """

    __slots__ = (
        "__weakref__",
        "abandoned",
        "app",
        "done",
        "environ",
        "error",
        "go",
        "result",
        "retired",
        "running",
        "state",
    )

    def __init__(self, app: WsgiApp, running: weakref.WeakSet[_Runner]) -> None:
        self.app = app
        self.running = running
        self.environ: dict[str, Any] = {}
        self.result: tuple[str, list[tuple[str, str]], list[bytes]] | None = None
        self.error: BaseException | None = None
        self.abandoned = False
        self.retired = False
        self.go = threading.Lock()
        self.go.acquire()
        self.done = threading.Lock()
        self.done.acquire()
        # Guards the moment a late answer meets the budget running out, so neither side misses it.
        self.state = threading.Lock()

    def start(self) -> None:
        # A daemon thread, so a stuck one never holds up a worker's exit.
        threading.Thread(target=self._serve, name="budget", daemon=True).start()

    def run(self, environ: dict[str, Any], seconds: float) -> bool:
        """Run the app on `environ`; False when it did not finish within `seconds`."""
        self.environ, self.result, self.error = environ, None, None
        self.go.release()
        if self.done.acquire(timeout=seconds):
            return True
        with self.state:
            if self.done.acquire(blocking=False):  # finished just as the budget ran out
                return True
            self.abandoned = True
            return False

    def retire(self) -> None:
        """End the thread once it is idle: its server thread has ended."""
        with self.state:
            self.retired = True
            if not self.abandoned:
                self.go.release()

    def _serve(self) -> None:
        while True:
            self.go.acquire()
            if self.retired:
                self.running.discard(self)
                return
            try:
                self.result = _run(self.app, self.environ)
            except BaseException as error:  # handed to the waiting thread, which logs it
                self.error = error
            self.environ = {}
            with self.state:
                if self.abandoned:
                    self.running.discard(self)
                    return
                self.done.release()


class _Pending:
    """One watched request: its deadline, where to answer, and who answered it."""

    __slots__ = ("answered", "deadline", "path", "sock", "written")

    def __init__(self, deadline: float, path: str, sock: socket.socket) -> None:
        self.deadline = deadline
        self.path = path
        self.sock = sock
        self.answered = False
        # Set by the watchdog once its answer is out, so the late thread never writes alongside.
        self.written: threading.Event | None = None


def _call(method: weakref.WeakMethod) -> None:
    """Call a method held weakly, unless its object is gone."""
    bound = method()
    if bound is not None:
        bound()


class _Watchdog:
    """One thread per process that answers watched requests whose budget has run out."""

    def __init__(self, seconds: float, threads: int) -> None:
        self.seconds = seconds
        # One of gunicorn's threads stays off the watched path, so stuck requests never take all.
        self.most = threads - 1
        self._start_afresh()
        # gunicorn forks workers from a master that built the app: start afresh in each one.
        os.register_at_fork(
            after_in_child=functools.partial(_call, weakref.WeakMethod(self._start_afresh))
        )

    def _start_afresh(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._pending: deque[_Pending] = deque()
        self._running = 0  # watched requests in the app
        self._late = 0  # of those, the ones the watchdog has answered
        self._started = False

    def watch(self, path: str, sock: socket.socket) -> _Pending | None:
        """Start watching a request; None when it should take the hand-off instead."""
        with self._cond:
            if self._late or self._running >= self.most:
                return None
            if not self._started:
                self._started = True
                threading.Thread(target=self._serve, name="budget-watchdog", daemon=True).start()
            pending = _Pending(time.monotonic() + self.seconds, path, sock)
            self._running += 1
            self._pending.append(pending)
            # The watchdog waits for the head's deadline, never later than this one's.
            if len(self._pending) == 1:
                self._cond.notify()
        return pending

    def claim(self, pending: _Pending) -> bool:
        """Claim the answer for the request's own thread; False when the watchdog sent it."""
        with self._cond:
            self._running -= 1
            if pending.written is None:
                pending.answered = True
                return True
            self._late -= 1
        # The watchdog's send is bounded (SEND_SECONDS) and always ends by setting this.
        pending.written.wait()
        return False

    def _serve(self) -> None:
        cond, pending = self._cond, self._pending
        while True:
            with cond:
                while not pending or (
                    not pending[0].answered and pending[0].deadline > time.monotonic()
                ):
                    cond.wait(pending[0].deadline - time.monotonic() if pending else None)
                late = pending.popleft()
                if late.answered:
                    continue
                late.answered = True
                late.written = threading.Event()
                self._late += 1
            try:
                _send_safe_answer(late.sock, late.path)
            except Exception as error:  # the caller hung up, or never read: nothing more to do
                log.error(
                    "%s: the safe answer could not be sent (%s)", late.path, type(error).__name__
                )
                continue
            finally:
                late.written.set()
            log.error(
                "%s took longer than its %g s budget; the caller got the safe answer",
                late.path,
                self.seconds,
            )


def _own_connection(environ: dict[str, Any]) -> socket.socket | None:
    """gunicorn's socket, when this request alone answers on it in plain HTTP/1."""
    sock = environ.get("gunicorn.socket")
    # HTTP/2 streams share one connection, and TLS wraps it: neither takes raw bytes.
    if environ.get("SERVER_PROTOCOL") not in ("HTTP/1.1", "HTTP/1.0"):
        return None
    if not isinstance(sock, socket.socket) or isinstance(sock, ssl.SSLSocket):
        return None
    return sock


def _send_safe_answer(sock: socket.socket, path: str) -> None:
    """Write the static document as a whole HTTP response, then close the socket for writing."""
    status, body = safe_answer(path) or ("503 Service Unavailable", b"")
    data = (
        f"HTTP/1.1 {status}\r\nContent-Type: text/xml; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1") + body
    deadline = time.monotonic() + SEND_SECONDS
    try:
        # Never block: gunicorn's thread owns the socket's blocking mode.
        while data:
            try:
                data = data[sock.send(data, socket.MSG_DONTWAIT) :]
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([], [sock], [], left)[1]:
                    raise TimeoutError(0, "the client did not read it") from None
    finally:
        sock.shutdown(socket.SHUT_WR)


class _Seat:
    """Lives in a server thread's locals, so its runner ends when that thread does."""

    __slots__ = ("__weakref__",)


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
        self._watchdog = _Watchdog(seconds, threads)
        self._mine = threading.local()
        self._lock = threading.Lock()
        # Runners alive in this process, stuck ones included, to keep their number bounded.
        self._running: weakref.WeakSet[_Runner] = weakref.WeakSet()
        self._running_pid = os.getpid()

    def _runner(self) -> _Runner | None:
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
            runner = _Runner(self.app, self._running)
            self._running.add(runner)
        runner.start()
        # Servers that start a thread per request (the dev server) end it after the request;
        # the seat goes with the thread's locals and takes its runner with it.
        seat = _Seat()
        weakref.finalize(seat, runner.retire)
        mine.runner, mine.pid, mine.seat = runner, pid, seat
        return runner

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        sock = _own_connection(environ)
        if sock is not None and safe_answer(path) is not None:
            pending = self._watchdog.watch(path, sock)
            if pending is not None:
                return self._watched(environ, start_response, path, pending)
        _buffer_body(environ)
        runner = self._runner()
        if runner is None:
            log.error(
                "%s found %d request threads busy or stuck; the caller got the safe answer",
                path,
                self.pool_size,
            )
            return _answer_safely(path, start_response)
        if not runner.run(environ, self.seconds):
            log.error(
                "%s took longer than its %g s budget; the caller got the safe answer",
                path,
                self.seconds,
            )
            return _answer_safely(path, start_response)
        result, error = runner.result, runner.error
        runner.result = runner.error = None
        if result is None:
            log.error(
                "%s failed outside its handler; the caller got the safe answer",
                path,
                exc_info=error,
            )
            return _answer_safely(path, start_response)
        return _answer(path, result, start_response)

    def _watched(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        path: str,
        pending: _Pending,
    ) -> Iterable[bytes]:
        """Run the app on this thread, while the watchdog keeps the deadline."""
        try:
            result = _run(self.app, environ)
        except BaseException as error:
            if self._watchdog.claim(pending):
                log.error(
                    "%s failed outside its handler; the caller got the safe answer",
                    path,
                    exc_info=error,
                )
            return _answer_safely(path, start_response)
        if not self._watchdog.claim(pending):
            # Answered already; gunicorn's write of this meets the closed socket and stops there.
            return _answer_safely(path, start_response)
        return _answer(path, result, start_response)


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


def _answer(
    path: str, result: tuple[str, list[tuple[str, str]], list[bytes]], start_response: StartResponse
) -> Iterable[bytes]:
    """Pass the app's answer on, unless it is one Twilio would count as a failure."""
    status, headers, body = result
    if _fails_the_caller(path, status):
        log.error("%s answered %s; the caller got the safe answer instead", path, status[:3])
        return _answer_safely(path, start_response)
    start_response(status, headers)
    return body


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
