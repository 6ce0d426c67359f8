"""Handlers that hang, under the real gunicorn (issue 14, item 2: the budget outside the app).

One gevent worker, with gunicorn's worker timeout cut to 2 s, runs tests/hanging_app.py. A
handler that waits for ever holds its own connection only: calls go on being answered beside it.
A handler that blocks the whole worker stops its heartbeat: gunicorn kills that worker and starts
another, which answers the calls that queued meanwhile. (Twilio asks the Fallback URL for the
request that was in the killed worker: README, "Serving".)
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.gunicorn_server import Server, healthz, running
from tests.test_slow_clients import ANSWERED_WITHIN, is_greeting, signed_call

WORKER_TIMEOUT = 2
# The timeout, the master's once-a-second check, and a worker's boot on a busy machine.
REPLACED_WITHIN = WORKER_TIMEOUT + 1 + 8
WAITING = 20


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("hang") / "gunicorn.log"
    arguments = ("--timeout", str(WORKER_TIMEOUT))
    app = "tests.hanging_app:create_app()"
    with running(log, app, arguments=arguments, workers=1) as server:
        yield server


def post(port: int, path: str, timeout: float) -> int | str:
    """POST with no body; the status, or the name of the error if none came."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError as error:
        return type(error).__name__
    except http.client.HTTPException as error:
        return type(error).__name__
    finally:
        connection.close()


def worker_pid(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REPLACED_WITHIN)
    try:
        connection.request("GET", "/test/pid")
        return int(connection.getresponse().read())
    finally:
        connection.close()


def test_requests_stuck_waiting_hold_up_no_one_else(server: Server) -> None:
    pid = worker_pid(server.port)
    with ThreadPoolExecutor(WAITING) as pool:
        stuck = [pool.submit(post, server.port, "/test/wait", 3.0) for _ in range(WAITING)]
        time.sleep(0.5)  # every one of them is in its handler, waiting

        seconds, document = signed_call(server.port, 1, timeout=3.0)
        assert is_greeting(document) and seconds < ANSWERED_WITHIN
        assert healthz(server.port) == 200
        assert all(job.result() == "TimeoutError" for job in stuck)  # still waiting, not answered
    assert worker_pid(server.port) == pid  # no reason to replace that worker


def test_a_worker_blocked_for_good_is_replaced_and_the_next_call_is_answered(
    server: Server, tmp_path: Path
) -> None:
    stuck_pid = worker_pid(server.port)
    marker = tmp_path / "blocked"
    with ThreadPoolExecutor(1) as pool:
        blocked = pool.submit(post, server.port, f"/test/block?marker={marker}", REPLACED_WITHIN)
        # Only once the worker is inside the handler, its event loop stopped (on a busy
        # machine the request can take longer than any fixed pause to get there).
        waited = time.monotonic()
        while not marker.exists():
            assert time.monotonic() - waited < REPLACED_WITHIN, "the block never started"
            time.sleep(0.05)
        started = time.monotonic()
        seconds, document = signed_call(server.port, 2, timeout=REPLACED_WITHIN)
        # The request the worker was killed in gets no answer: the connection just closes.
        assert blocked.result() in {"RemoteDisconnected", "ConnectionResetError"}

    assert is_greeting(document)
    assert WORKER_TIMEOUT <= seconds < REPLACED_WITHIN, f"answered after {seconds:.1f} s"
    assert time.monotonic() - started < REPLACED_WITHIN
    assert worker_pid(server.port) != stuck_pid
    assert f"WORKER TIMEOUT (pid:{stuck_pid})" in server.log.read_text()
