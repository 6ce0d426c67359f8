"""A surge against the real server: hundreds of callers and texters at once, none failed.

gunicorn runs as in the Procfile on a free loopback port (tests/gunicorn_server.py); simulated
callers walk the menus and texters converse through it over HTTP, with the same Twilio stand-ins
as the other tests. Bounded to a few seconds; `python bench/run.py` does the long soak and the
speed measurements.
"""

from __future__ import annotations

import http.client
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.datastructures import Headers

from tests.gunicorn_server import Server, running
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


def worker_rss_kb(server: Server) -> list[int]:
    sizes = []
    for pid in server.workers():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        sizes += [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")]
    return sizes


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn with gunicorn.conf.py on the test tree, without an access log."""
    log = tmp_path_factory.mktemp("surge") / "gunicorn.log"
    with running(log, arguments=("--access-logfile", "/dev/null")) as server:
        yield server


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


def test_a_surge_of_callers_and_texters_is_answered_without_an_error_or_a_leak(
    server: Server,
) -> None:
    port = server.port
    surge(port, 20, 10)  # warm up: documents cached, threads started
    before = worker_rss_kb(server)

    latencies = surge(port, CALLERS, TEXTERS)

    after = worker_rss_kb(server)
    assert len(latencies) == CALLERS * 6 + TEXTERS * 6
    growth = max(b - a for a, b in zip(before, after, strict=True))
    p50, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
    print(
        f"\nsurge: {len(latencies)} requests, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"worker RSS {before} -> {after} kB"
    )
    assert growth < MAX_GROWTH_KB
