"""Log lines an operator can trust and a line that never waits for them.

Configured once, when the app is created: every record of the app (and of the libraries it uses)
goes to stderr with its time, process, level and logger name, INFO included, as text or as one
JSON object per line (HOTLINE_LOG_FORMAT=json, for log services). The privacy scrubber has
already rewritten each record when it was made (hotline/privacy.py: no caller data, one line).

No request or lock waits on a log write: a handler only puts the record in a bounded queue, and a
thread of its own writes it out. When the output stops being read (a full pipe, a stalled log
shipper, docker's blocking log mode), the queue fills and further records are dropped and counted
(/healthz shows the count) instead of stopping every thread that logs. The same goes for
gunicorn's access and error logs (hotline/gunicorn_logging.py).

One place in the code that logs on every refused request cannot flood the log: past a few dozen
records a minute from the same line of code, the rest are left out and counted, and the next one
let through says how many were.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import json
import logging
import os
import queue
import sys
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from hotline.blocking import off_the_loop
from hotline.config import ConfigError
from hotline.privacy import install_log_scrubber

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"
DATE_FORMAT = "[%Y-%m-%d %H:%M:%S %z]"
# Records waiting for the writer, at most: a few seconds of a flood, a few MB of memory.
QUEUE_RECORDS = 10_000
# Records from one line of code let through per window; the rest are counted.
FLOOD_RECORDS = 30
FLOOD_SECONDS = 60.0
# How long an exiting process gives the writer to write what is queued.
EXIT_FLUSH_SECONDS = 1.0


def log_format(env: Mapping[str, str]) -> str:
    """`text` (the default) or `json`, from HOTLINE_LOG_FORMAT."""
    raw = env.get("HOTLINE_LOG_FORMAT", "").strip().lower() or "text"
    if raw not in LOG_FORMATS:
        raise ConfigError(
            f"HOTLINE_LOG_FORMAT is '{raw}'; set it to 'text' (time, process, level, logger and "
            "message on one line) or 'json' (one JSON object per line, for log services)"
        )
    return raw


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, process, message (and exception)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter()
    return logging.Formatter(TEXT_FORMAT, DATE_FORMAT)


class FloodFilter(logging.Filter):
    """Lets through at most `most` records per `seconds` from each line of code."""

    def __init__(
        self,
        most: int = FLOOD_RECORDS,
        seconds: float = FLOOD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.most = most
        self.seconds = seconds
        self.clock = clock
        # (file, line) -> [window start, records let through, records left out]
        self._sites: dict[tuple[str, int], list[float]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        site = (record.pathname, record.lineno)
        now = self.clock()
        with self._lock:
            window = self._sites.get(site)
            if window is None or now - window[0] >= self.seconds:
                left_out = 0 if window is None else int(window[2])
                self._sites[site] = [now, 1, 0]
            elif window[1] < self.most:
                window[1] += 1
                return True
            else:
                window[2] += 1
                return False
        if left_out:
            # The scrubber has made msg the final text (args None): add to it.
            record.msg = (
                f"{record.getMessage()} [{left_out} more like this in the "
                f"{self.seconds:.0f} s before were not logged]"
            )
            record.args = None
        return True


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (a test may have replaced it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


class NonBlockingHandler(logging.Handler):
    """Hands each record to a writer thread through a bounded queue; drops and counts when full.

    The stdlib's QueueHandler reports a full queue through handleError, which prints to stderr:
    the very write that blocks. Here a full queue only adds to `dropped`. The writer is started
    on the first record in each process, so gunicorn's master forks no thread, and a forked
    worker starts its own with a fresh queue.
    """

    def __init__(self, target: logging.Handler, capacity: int = QUEUE_RECORDS) -> None:
        super().__init__()
        self.target = target
        self.capacity = capacity
        self.dropped = 0
        self._start_afresh()
        os.register_at_fork(
            after_in_child=functools.partial(_call, weakref.WeakMethod(self._start_afresh))
        )
        atexit.register(_call, weakref.WeakMethod(self._flush_at_exit))

    def _start_afresh(self) -> None:
        self._queue: queue.Queue[logging.LogRecord] = queue.Queue(self.capacity)
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        self._reported = self.dropped

    def emit(self, record: logging.LogRecord) -> None:
        if self._writer is None:
            self._start_writer()
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1

    def _start_writer(self) -> None:
        with self._writer_lock:
            if self._writer is None:
                writer = threading.Thread(target=self._write_all, name="hotline-log", daemon=True)
                writer.start()
                self._writer = writer

    def _write_all(self) -> None:
        while True:
            record = self._queue.get()
            try:
                self._write(record)
                if self.dropped > self._reported:
                    self._write(self._drop_notice())
            except Exception:
                pass  # a log that cannot be written is not worth failing over
            finally:
                self._queue.task_done()

    def _drop_notice(self) -> logging.LogRecord:
        count, self._reported = self.dropped - self._reported, self.dropped
        return logging.makeLogRecord(
            {
                "name": __name__,
                "levelno": logging.WARNING,
                "levelname": "WARNING",
                "msg": f"{count} log lines were dropped: the log output was not read fast enough",
            }
        )

    def _write(self, record: logging.LogRecord) -> None:
        """Write one line with os.write where the stream has a file descriptor.

        A daemon thread blocked inside a buffered stream's write would hold that buffer's lock
        when the process exits, and Python aborts the exit when it cannot flush stderr.
        """
        target = self.target
        stream = getattr(target, "stream", None)
        if stream is not None and getattr(stream, "closed", False):
            return  # closed under us (a test's stream, a log file being reopened)
        try:
            descriptor = stream.fileno() if stream is not None else None
        except (AttributeError, OSError, ValueError):
            descriptor = None  # no file behind it (such as io.StringIO)
        if descriptor is None or not target.filter(record):
            target.handle(record)
            return
        data = (target.format(record) + "\n").encode("utf-8", "backslashreplace")
        if stream is not None:
            stream.flush()  # anything written to the stream directly goes first
        while data:
            data = data[_write_once(descriptor, data) :]

    def flush(self, timeout: float = EXIT_FLUSH_SECONDS) -> bool:
        """Wait until the queued records are written; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if self._writer is None or time.monotonic() >= deadline:
                return False
            time.sleep(0.005)
        return True

    def _flush_at_exit(self) -> None:
        self.flush(EXIT_FLUSH_SECONDS)


def _write_once(descriptor: int, data: bytes) -> int:
    """os.write; in a gevent worker on a real thread, so a pipe nobody reads stops only that."""
    return off_the_loop(os.write, descriptor, data)


def _call(method: weakref.WeakMethod) -> None:  # type: ignore[type-arg]
    bound = method()
    if bound is not None:
        bound()


_app_handler: NonBlockingHandler | None = None
_configure_lock = threading.Lock()


def configure(kind: str = "text", force: bool = False) -> None:
    """Send the app's log records to stderr, INFO and up, without ever waiting for a write.

    `kind` is the format, as log_format reads it. Like logging.basicConfig, it leaves alone a
    process whose logging is configured already (a test runner, a host with its own log config)
    unless `force` is set.
    """
    global _app_handler
    install_log_scrubber()
    root = logging.getLogger()
    with _configure_lock:
        if _app_handler is None:
            if root.handlers and not force:
                return
            _app_handler = NonBlockingHandler(StderrHandler())
            _app_handler.addFilter(FloodFilter())
            root.addHandler(_app_handler)
            if root.getEffectiveLevel() > logging.INFO:
                root.setLevel(logging.INFO)
        _app_handler.target.setFormatter(formatter(kind))


def unconfigure() -> None:
    """Take the handler `configure` added away again, once what it holds is written."""
    global _app_handler
    with _configure_lock:
        if _app_handler is not None:
            _app_handler.flush()
            logging.getLogger().removeHandler(_app_handler)
            _app_handler = None


def dropped_lines() -> int:
    """Log records dropped by this process because the output was not read."""
    handlers = [_app_handler, *gunicorn_handlers()]
    return sum(handler.dropped for handler in handlers if handler is not None)


def gunicorn_handlers() -> list[NonBlockingHandler]:
    return [
        handler
        for name in ("gunicorn.error", "gunicorn.access")
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, NonBlockingHandler)
    ]
