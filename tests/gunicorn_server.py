"""gunicorn for real in tests: the shipped gunicorn.conf.py on a free loopback port.

`running(...)` starts it as the Procfile does (plus the test's settings and any extra gunicorn
arguments), waits until every worker has booted and `/healthz` answers, and stops it by its pid.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO_ROOT, app_settings

# Seconds for gunicorn to start and every worker to load the app (a busy test machine).
START_SECONDS = 30
LIMITS_OFF = {
    name: "off" for name in ("HOTLINE_CALL_LIMIT", "HOTLINE_SMS_LIMIT", "HOTLINE_SMS_GLOBAL_LIMIT")
}


@dataclass
class Server:
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def master(self) -> int:
        return self.process.pid

    def workers(self) -> list[int]:
        return worker_pids(self.master)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_pids(master: int) -> list[int]:
    """The processes whose parent is `master`, read from /proc."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            pids.append(int(entry))
    return sorted(pids)


def open_sockets(pid: int) -> int:
    """How many sockets a process holds open (its listener, connections, Redis)."""
    count = 0
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return 0
    for descriptor in descriptors:
        try:
            count += os.readlink(f"/proc/{pid}/fd/{descriptor}").startswith("socket:")
        except OSError:
            continue
    return count


def healthz(port: int, timeout: float = 1.0) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def answers(port: int) -> bool:
    """Whether /healthz answers 200 (gunicorn listens before its workers have loaded the app)."""
    try:
        return healthz(port) == 200
    except OSError:
        return False


@contextmanager
def running(
    log: Path,
    app: str = "hotline:create_app()",
    settings: Mapping[str, str] | None = None,
    arguments: tuple[str, ...] = (),
    workers: int = 2,
) -> Iterator[Server]:
    """gunicorn -c gunicorn.conf.py with `arguments` on a free port; stopped on the way out."""
    port = free_port()
    env = {
        **os.environ,
        **app_settings(**LIMITS_OFF, **(settings or {})),
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", *arguments, app]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while len(worker_pids(process.pid)) < workers or not answers(port):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "gunicorn did not start:\n" + log.read_text()
            time.sleep(0.1)
        yield Server(port, log, process)
    finally:
        process.terminate()
        process.wait(timeout=30)
