"""The watchdog: under gunicorn, late requests are answered on their socket by another thread."""

from __future__ import annotations

import functools
import logging
import os
import select
import socket
import ssl
import threading
import time
import weakref
from collections import deque
from typing import Any

from hotline.budget.answers import safe_answer

log = logging.getLogger(__name__)

# The watchdog's answer is a few kilobytes into an idle connection; a client that does not take
# it within this time holds up the other deadlines no longer.
SEND_SECONDS = 0.5


class Pending:
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


class Watchdog:
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
        self._pending: deque[Pending] = deque()
        self._running = 0  # watched requests in the app
        self._late = 0  # of those, the ones the watchdog has answered
        self._started = False

    def watch(self, path: str, sock: socket.socket) -> Pending | None:
        """Start watching a request; None when it should take the hand-off instead."""
        with self._cond:
            if self._late or self._running >= self.most:
                return None
            if not self._started:
                self._started = True
                threading.Thread(target=self._serve, name="budget-watchdog", daemon=True).start()
            pending = Pending(time.monotonic() + self.seconds, path, sock)
            self._running += 1
            self._pending.append(pending)
            # The watchdog waits for the head's deadline, never later than this one's.
            if len(self._pending) == 1:
                self._cond.notify()
        return pending

    def claim(self, pending: Pending) -> bool:
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
                send_safe_answer(late.sock, late.path)
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


def own_connection(environ: dict[str, Any]) -> socket.socket | None:
    """gunicorn's socket, when this request alone answers on it in plain HTTP/1."""
    sock = environ.get("gunicorn.socket")
    # HTTP/2 streams share one connection, and TLS wraps it: neither takes raw bytes.
    if environ.get("SERVER_PROTOCOL") not in ("HTTP/1.1", "HTTP/1.0"):
        return None
    if not isinstance(sock, socket.socket) or isinstance(sock, ssl.SSLSocket):
        return None
    return sock


def send_safe_answer(sock: socket.socket, path: str) -> None:
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
