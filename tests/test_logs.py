"""Logs an operator can trust, and a line that never waits for them.

Each record has time, level and logger (or is one JSON object); INFO lines are written; a path
with a newline cannot forge a line; a flood of refused requests writes a few lines, not one each;
and a log output that nobody reads (a real pipe, shrunk to one page) stops no request.
"""

from __future__ import annotations

import fcntl
import http.client
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask import Flask

from hotline import create_app, logs
from hotline.config import ConfigError
from hotline.logs import FloodFilter, NonBlockingHandler
from tests.conftest import REPO_ROOT, app_settings
from tests.gunicorn_server import answers, free_port
from tests.twilio_sim import CALL_SID, CANARY_CALLER, HOTLINE_NUMBER, PUBLIC_URL, sign

FORGING_PATH = "/voice/%0AERROR%20the%20SMS%20webhook%20failed%3B%20restart%20me"


def app_log(capfd: pytest.CaptureFixture[str]) -> list[str]:
    """The lines the app wrote to stderr so far."""
    assert logs._app_handler is not None and logs._app_handler.flush(5)
    return capfd.readouterr().err.splitlines()


@pytest.fixture(autouse=True)
def app_handler() -> Iterator[None]:
    """The app's own handler, as under gunicorn (pytest's handlers keep configure() away)."""
    logs.configure(force=True)
    yield
    logs.unconfigure()


@pytest.fixture
def app() -> Flask:
    return create_app(app_settings())


def test_each_line_has_time_process_level_and_logger_and_info_is_written(
    app: Flask, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    logging.getLogger("hotline.content.reload").info("content reloaded: now serving version x")

    (line,) = [line for line in app_log(capfd) if "content reloaded" in line]
    assert re.fullmatch(
        rf"\[20\d\d-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{{4}}\] \[{os.getpid()}\] \[INFO\] "
        r"hotline\.content\.reload: content reloaded: now serving version x",
        line,
    ), line


def test_json_lines_for_log_services(capfd: pytest.CaptureFixture[str]) -> None:
    create_app(app_settings(HOTLINE_LOG_FORMAT="json"))
    capfd.readouterr()
    logging.getLogger("hotline.limits").warning("Redis at %s answers again", "here:6379")
    (line,) = [line for line in app_log(capfd) if "answers again" in line]
    record = json.loads(line)
    assert record["level"] == "WARNING"
    assert record["logger"] == "hotline.limits"
    assert record["message"] == "Redis at here:6379 answers again"
    assert record["pid"] == os.getpid()
    assert record["time"].startswith("20")


def test_a_wrong_log_format_says_how_to_fix_it() -> None:
    with pytest.raises(ConfigError, match="HOTLINE_LOG_FORMAT is 'xml'; set it to 'text'"):
        create_app(app_settings(HOTLINE_LOG_FORMAT="xml"))


def test_a_path_with_a_newline_cannot_forge_a_line_in_the_app_log(
    app: Flask, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    path = unquote(FORGING_PATH)  # as the app logs request.path
    logging.getLogger("hotline.webhook").error(
        "%s answered 404; the caller got the static document", path
    )

    lines = [line for line in app_log(capfd) if "restart me" in line]
    assert len(lines) == 1
    assert lines[0].startswith("[20")
    assert "/voice/\\nERROR the SMS webhook failed; restart me answered 404" in lines[0]


def test_a_traceback_keeps_its_lines_but_none_can_pass_for_a_record(
    app: Flask, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    try:
        raise ValueError("bad path /x\n[2026-12-02 10:00:00 +0000] [1] [ERROR] forged")
    except ValueError:
        logging.getLogger("hotline.test").exception("it failed")

    lines = app_log(capfd)
    start = next(i for i, line in enumerate(lines) if line.endswith("hotline.test: it failed"))
    assert lines[start + 1 :]
    assert all(line.startswith("  | ") for line in lines[start + 1 :])


def test_a_flood_of_refused_requests_writes_a_few_lines_not_one_each(
    app: Flask, capfd: pytest.CaptureFixture[str]
) -> None:
    client = app.test_client()
    capfd.readouterr()
    for _ in range(200):
        assert client.post("/voice", data={"From": "x"}).status_code == 403

    refused = [line for line in app_log(capfd) if "refused a request" in line]
    assert 1 <= len(refused) <= logs.FLOOD_RECORDS


def test_the_flood_filter_says_how_many_it_left_out() -> None:
    now = [0.0]
    flood = FloodFilter(most=3, seconds=60, clock=lambda: now[0])
    logger = logging.getLogger("hotline.test.flood")

    def record(line: int, message: str) -> logging.LogRecord:
        return logger.makeRecord(logger.name, logging.WARNING, "x.py", line, message, (), None)

    assert [flood.filter(record(7, "refused")) for _ in range(10)] == [True] * 3 + [False] * 7
    assert flood.filter(record(8, "another line of code"))

    now[0] = 61.0
    later = record(7, "refused")
    assert flood.filter(later)
    assert later.getMessage() == "refused [7 more like this in the 60 s before were not logged]"


def test_a_pipe_nobody_reads_drops_and_counts_lines_instead_of_blocking() -> None:
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    stream = os.fdopen(write_end, "w")
    target = logging.StreamHandler(stream)
    handler = NonBlockingHandler(target, capacity=100)
    logger = logging.Logger("hotline.test.pipe")
    logger.addHandler(handler)
    try:
        started = time.monotonic()
        for number in range(2_000):
            logger.warning("line %d %s", number, "x" * 100)
        assert time.monotonic() - started < 2.0
        assert handler.dropped > 1_000

        os.set_blocking(read_end, False)
        deadline = time.monotonic() + 5
        written = b""
        while b"were dropped" not in written and time.monotonic() < deadline:
            try:
                written += os.read(read_end, 65536)
            except BlockingIOError:
                time.sleep(0.01)
        assert b"log lines were dropped: the log output was not read fast enough" in written
    finally:
        logger.removeHandler(handler)
        os.close(read_end)  # the writer's next write fails, and it goes on to the next record
        handler.flush(5)
        stream.close()


# --- gunicorn, for real ----------------------------------------------------------------------


def start_gunicorn(port: int, stdout: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **app_settings(), "PORT": str(port), "WEB_CONCURRENCY": "1"}
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "hotline:create_app()"]
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=stdout, stderr=stdout)
    deadline = time.monotonic() + 30
    while not answers(port):
        assert process.poll() is None, "gunicorn exited"
        assert time.monotonic() < deadline, "gunicorn did not start"
        time.sleep(0.05)
    return process


def get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def signed_call(port: int) -> int:
    fields = {"CallSid": CALL_SID, "From": CANARY_CALLER, "To": HOTLINE_NUMBER}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(PUBLIC_URL + "/voice", fields),
    }
    try:
        from urllib.parse import urlencode

        connection.request("POST", "/voice", body=urlencode(fields), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_gunicorn_keeps_answering_when_nobody_reads_its_log(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)  # one page: full after a few lines
    port = free_port()
    process = start_gunicorn(port, write_end)
    os.close(write_end)
    try:
        long_path = "/" + "x" * 1000
        # Without the non-blocking handlers every thread blocks in the access log's write
        # once the pipe is full: the fifth request or so never gets an answer.
        statuses = [get(port, long_path) for _ in range(60)]
        assert statuses == [404] * 60
        assert signed_call(port) == 200
        assert get(port, "/healthz") == 200
    finally:
        process.terminate()
        os.set_blocking(read_end, False)
        try:
            while os.read(read_end, 65536):  # let it write what it still has, and exit
                pass
        except BlockingIOError:
            pass
        process.wait(timeout=20)
        os.close(read_end)


def test_a_path_with_a_newline_cannot_forge_a_line_in_the_access_log(tmp_path: Path) -> None:
    log = tmp_path / "gunicorn.log"
    port = free_port()
    with log.open("wb") as output:
        process = start_gunicorn(port, output.fileno())
    try:
        get(port, "/x%0A%22POST%20/staff/api/text%22%20200%2042%201ms%0Aforged")
    finally:
        process.terminate()
        process.wait(timeout=20)
    lines = log.read_text().splitlines()
    assert not [line for line in lines if line.startswith(("forged", '"POST /staff'))]
    (access,) = [line for line in lines if "forged" in line]
    assert access.startswith('"GET /x\\n')
