"""The hotline for gunicorn in tests, with two extra routes whose handlers hang.

`/test/wait` waits on a socket that never answers (as a call to a stuck service would): it holds
its own connection and nothing else. `/test/block` blocks the whole process in a call that never
yields (as a long GC pause, a blocking C call or a stuck file read would): every request of that
worker is stuck behind it, and only gunicorn's worker timeout can end it.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from flask import Flask, request
from gevent import monkey

from hotline import create_app as create_hotline

HANG_SECONDS = 60.0


def create_app() -> Flask:
    app = create_hotline()

    @app.post("/test/wait")
    def wait() -> str:
        silent, _ = socket.socketpair()  # gevent's socket: the wait yields to other requests
        silent.settimeout(HANG_SECONDS)
        silent.recv(1)
        return "late"

    @app.post("/test/block")
    def block() -> str:
        # The test waits for this file, so it knows the worker is blocked before it calls.
        marker = request.args.get("marker")
        if marker:
            Path(marker).touch()
        monkey.get_original("time", "sleep")(HANG_SECONDS)  # the unpatched sleep: no yield
        return "late"

    @app.get("/test/pid")
    def pid() -> str:
        return str(os.getpid())

    return app
