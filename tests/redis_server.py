"""A real redis-server for tests: on a free port, in a temporary folder, never written to disk."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

REDIS_SERVER = shutil.which("redis-server")
NOT_INSTALLED = "redis-server is not installed (.ci/run installs it: apt-get install redis-server)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """One redis-server process that a test may stop and start again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        assert REDIS_SERVER is not None, NOT_INSTALLED
        self.directory.mkdir(parents=True, exist_ok=True)
        # No snapshots and no append-only file: nothing from a test run is left on disk.
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.directory),
                # DEBUG SLEEP stalls Redis for the fault tests; from this machine only.
                "--enable-debug-command", "local",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                with self.client() as client:
                    client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, decode_responses=True)

    def everything(self) -> dict[str, tuple[str, object, int]]:
        """Every key with its type, value and TTL in seconds (-1: none)."""
        found: dict[str, tuple[str, object, int]] = {}
        with self.client() as client:
            for key in client.scan_iter(count=1000):
                kind = client.type(key)
                value: object = {
                    "string": client.get,
                    "hash": client.hgetall,
                    "list": lambda k: client.lrange(k, 0, -1),
                    "set": client.smembers,
                    "zset": lambda k: client.zrange(k, 0, -1, withscores=True),
                }.get(kind, lambda k: None)(key)
                found[key] = (kind, value, client.ttl(key))
        return found


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One Redis for the whole run; use `redis_url` for an empty database per test."""
    if REDIS_SERVER is None:
        pytest.skip(NOT_INSTALLED)
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    with redis_server.client() as client:
        client.flushall()
    return redis_server.url


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own, which it may stop and start again."""
    if REDIS_SERVER is None:
        pytest.skip(NOT_INSTALLED)
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()
