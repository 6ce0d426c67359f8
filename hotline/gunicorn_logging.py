"""gunicorn's access and error logs, written as the app's are: scrubbed, one line, never waited on.

gunicorn.conf.py sets `logger_class = "hotline.gunicorn_logging.GunicornLogger"`. gunicorn writes
its access log on the request's own thread after the answer; with a plain handler, a log output
that is not read (a full pipe) stops every thread within a minute.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from gunicorn import glogging

from hotline.logs import JsonFormatter, NonBlockingHandler, gunicorn_handlers, log_format
from hotline.privacy import install_log_scrubber


class GunicornLogger(glogging.Logger):
    """gunicorn's logger, with its access and error logs written without blocking a thread.

    Records are scrubbed and kept on one line as the app's are (a path with a newline in the
    access log), and formatted as JSON when HOTLINE_LOG_FORMAT=json.
    """

    def setup(self, cfg: Any) -> None:
        install_log_scrubber()
        super().setup(cfg)

    def _set_handler(  # type: ignore[no-untyped-def]
        self, log: logging.Logger, output: str | None, fmt: logging.Formatter, stream=None
    ) -> None:
        super()._set_handler(log, output, fmt, stream)
        handler = self._get_gunicorn_handler(log)
        if handler is None or isinstance(handler, NonBlockingHandler):
            return
        if log_format(os.environ) == "json":
            handler.setFormatter(JsonFormatter())
        log.removeHandler(handler)
        wrapped = NonBlockingHandler(handler)
        wrapped._gunicorn = True  # type: ignore[attr-defined]
        log.addHandler(wrapped)

    def reopen_files(self) -> None:
        super().reopen_files()
        for wrapped in gunicorn_handlers():
            target = wrapped.target
            if isinstance(target, logging.FileHandler) and target.stream:
                target.acquire()
                try:
                    target.close()
                    target.stream = target._open()
                finally:
                    target.release()
