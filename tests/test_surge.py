"""A surge against the real server: hundreds of callers and texters at once, none failed.

gunicorn runs as in the Procfile on a free loopback port; simulated callers walk the menus and
texters converse through it over HTTP, with the same Twilio stand-ins as the other tests. Bounded
to a few seconds; `python bench/run.py` does the long soak and the speed measurements.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.datastructures import Headers

from tests.conftest import REPO_ROOT, app_settings
from tests.sms_sim import Texter
from tests.twilio_sim import Call

CALLERS = 200
TEXTERS = 100
CONCURRENCY = 32
# A leak of a few kilobytes per request would show as several megabytes over the run.
MAX_GROWTH_KB = 16 * 1024


@dataclass
class HttpResponse:
    status_code: int
    mimetype: str
    data: bytes
    headers: Headers


class HttpClient:
    """Just enough of Flask's test client, over a real keep-alive connection; records latency."""

    def __init__(self, port: int, latencies: list[float]) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        self.latencies = latencies

    def post(self, path: str, data: dict[str, str], headers: dict[str, str]) -> HttpResponse:
        from urllib.parse import urlencode

        body = urlencode(data)
        all_headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        started = time.perf_counter()
        self.connection.request("POST", path, body=body, headers=all_headers)
        response = self.connection.getresponse()
        payload = response.read()
        self.latencies.append(time.perf_counter() - started)
        content_type = response.getheader("Content-Type", "")
        return HttpResponse(
            response.status,
            content_type.split(";")[0].strip(),
            payload,
            Headers(response.getheaders()),
        )

    def close(self) -> None:
        self.connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_rss_kb(master: int) -> list[int]:
    sizes = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) != master:
                continue
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        sizes += [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")]
    return sizes


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    """gunicorn with gunicorn.conf.py on the test tree; yields (port, master pid)."""
    port = free_port()
    log = tmp_path_factory.mktemp("surge") / "gunicorn.log"
    limits_off = {
        name: "off"
        for name in ("HOTLINE_CALL_LIMIT", "HOTLINE_SMS_LIMIT", "HOTLINE_SMS_GLOBAL_LIMIT")
    }
    env = {**os.environ, **app_settings(**limits_off), "PORT": str(port)}
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*command, "hotline:create_app()"],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while len(worker_rss_kb(process.pid)) < 2 or not _accepts(port):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def a_caller(port: int, n: int, latencies: list[float]) -> int:
    """Choose a language, go two levels down, hear it again, back to the main menu."""
    client = HttpClient(port, latencies)
    try:
        call = Call(client, caller=f"+1413555{n:04d}")  # type: ignore[arg-type]
        call.start().press("123"[n % 3]).press("1").press("1").press("*").press("9")
        assert call.pending_gather is not None
        return call.documents
    finally:
        client.close()


def a_texter(port: int, n: int, latencies: list[float]) -> int:
    client = HttpClient(port, latencies)
    try:
        texter = Texter(client, number=f"+1413556{n:04d}")  # type: ignore[arg-type]
        for body in ("hola", "ES", "1", "1", "MENU", "2"):
            texter.send(body)
            assert texter.replies
        return texter.sent
    finally:
        client.close()


def surge(port: int, callers: int, texters: int) -> list[float]:
    latencies: list[float] = []
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        jobs = [pool.submit(a_caller, port, n, latencies) for n in range(callers)]
        jobs += [pool.submit(a_texter, port, n, latencies) for n in range(texters)]
        for job in jobs:
            job.result()  # re-raises the first failed call or text
    return latencies


def test_a_surge_of_callers_and_texters_is_answered_without_an_error_or_a_leak(server) -> None:
    port, master = server
    surge(port, 20, 10)  # warm up: documents cached, threads started
    before = worker_rss_kb(master)

    latencies = surge(port, CALLERS, TEXTERS)

    after = worker_rss_kb(master)
    assert len(latencies) == CALLERS * 6 + TEXTERS * 6
    growth = max(b - a for a, b in zip(before, after, strict=True))
    p50, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
    print(
        f"\nsurge: {len(latencies)} requests, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"worker RSS {before} -> {after} kB"
    )
    assert growth < MAX_GROWTH_KB
