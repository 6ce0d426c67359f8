"""The hand-off: a request runs on a thread of its own while the server's thread keeps time."""

from __future__ import annotations

import io
import threading
import weakref
from typing import Any

from hotline.budget.answers import Result, WsgiApp

# Twilio's webhook bodies are a few kilobytes; only bodies up to this size are read up front.
MAX_BUFFERED_BODY = 1 << 20


class Runner:
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

    def __init__(self, app: WsgiApp, running: weakref.WeakSet[Runner]) -> None:
        self.app = app
        self.running = running
        self.environ: dict[str, Any] = {}
        self.result: Result | None = None
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
                self.result = run_app(self.app, self.environ)
            except BaseException as error:  # handed to the waiting thread, which logs it
                self.error = error
            self.environ = {}
            with self.state:
                if self.abandoned:
                    self.running.discard(self)
                    return
                self.done.release()


class Seat:
    """Lives in a server thread's locals, so its runner ends when that thread does."""

    __slots__ = ("__weakref__",)


def buffer_body(environ: dict[str, Any]) -> None:
    """Read the body now, so a late request thread never reads from a reused connection."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    if 0 < length <= MAX_BUFFERED_BODY:
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length))


def run_app(app: WsgiApp, environ: dict[str, Any]) -> Result:
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
