"""Each webhook with Redis 2 ms away: round trips per webhook, and p50/p99 of the answer.

Starts its own redis-server on loopback behind a small TCP proxy that holds every request from
the app for 2 ms before passing it on (a Redis in another zone, or a busy managed one), then
answers greetings, key presses and texts in-process through the app's own test client, each a
new CallSid or MessageSid as Twilio sends them. Counts what the app sends to Redis per webhook
(a pipeline or a script is one send) and times each answer.

    python bench/redis_latency.py                # about 30 seconds; prints the section
    python bench/redis_latency.py --write        # and puts it into bench/RESULTS.md

The section in RESULTS.md sits between its own markers; the rest of the file is run.py's.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import secrets
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hotline import create_app  # noqa: E402
from hotline.emulator import SignedPoster  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
START = "<!-- redis_latency: start -->"
END = "<!-- redis_latency: end -->"
DELAY_SECONDS = 0.002
PUBLIC_URL = "https://hotline.example.org"
TOKEN = secrets.token_hex(16)
HOTLINE = "+14135550100"
# What the same webhooks sent before every webhook became one step (issue 14's figures).
BEFORE = {"greeting": 4, "key press": 2, "text": 5}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class DelayingProxy:
    """Passes bytes between clients and one server, holding what clients send for `delay`."""

    def __init__(self, target: tuple[str, int], delay: float) -> None:
        self.target, self.delay = target, delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed
            server = socket.create_connection(self.target)
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    def _pipe(self, client: socket.socket, server: socket.socket) -> None:
        chooser = selectors.DefaultSelector()
        chooser.register(client, selectors.EVENT_READ, server)
        chooser.register(server, selectors.EVENT_READ, client)
        try:
            while not self._stop.is_set():
                for key, _ in chooser.select(timeout=0.2):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    if key.fileobj is client:
                        time.sleep(self.delay)
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            client.close()
            server.close()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()


@contextmanager
def redis_behind_proxy() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    redis.Redis(port=port).ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            proxy = DelayingProxy(("127.0.0.1", port), DELAY_SECONDS)
            try:
                yield f"redis://127.0.0.1:{proxy.port}/0"
            finally:
                proxy.close()
        finally:
            process.terminate()
            process.wait(timeout=10)


class Sends:
    """Counts what this process sends to Redis: one per command, pipeline or script."""

    def __init__(self) -> None:
        self.count = 0
        real = redis.connection.Connection.send_packed_command

        def counting(conn, command, check_health=True):  # type: ignore[no-untyped-def]
            self.count += 1
            return real(conn, command, check_health)

        redis.connection.Connection.send_packed_command = counting  # type: ignore[method-assign]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


Row = tuple[str, float, float, float]


def measure(name: str, send: Callable[[int], None], sends: Sends, count: int) -> Row:
    for n in range(20):  # warm up: connections, scripts loaded, renderers built
        send(-1 - n)
    before, times = sends.count, []
    for n in range(count):
        started = time.perf_counter()
        send(n)
        times.append((time.perf_counter() - started) * 1000)
    per_webhook = (sends.count - before) / count
    return name, per_webhook, statistics.median(times), percentile(times, 0.99)


def webhooks(app_environment: dict[str, str], sends: Sends, count: int) -> list[Row]:
    """Greetings, key presses and texts from new callers: (name, sends each, p50, p99)."""
    app = create_app(app_environment)
    poster = SignedPoster.for_app(app, TOKEN, PUBLIC_URL)
    numbers = itertools.count(1000)

    def fields(sid: str) -> dict[str, str]:
        return {sid: sid[:2] + secrets.token_hex(16), "From": caller(), "To": HOTLINE}

    def caller() -> str:
        return f"+1413555{next(numbers) % 10000:04d}"

    def post(path: str, params: dict[str, str]) -> None:
        response = poster.post(path, params)
        assert response.status_code == 200 and b"<Response" in response.data, path

    def greeting(n: int) -> None:
        post("/voice", fields("CallSid"))

    def key_press(n: int) -> None:
        post("/voice/language", {**fields("CallSid"), "Digits": "1"})

    def text(n: int) -> None:
        post("/sms", {**fields("MessageSid"), "Body": "hello"})

    return [
        measure("greeting", greeting, sends, count),
        measure("key press", key_press, sends, count),
        measure("text", text, sends, count),
    ]


def run(count: int) -> str:
    sends = Sends()
    environment = {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "HOTLINE_SECRET_KEY": secrets.token_hex(32),
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "HOTLINE_RELOAD_SECONDS": "off",
        # Many callers, as a busy hour brings: no limit refuses them here.
        "HOTLINE_CALL_LIMIT": "off",
        "HOTLINE_SMS_GLOBAL_LIMIT": "off",
    }
    in_memory = webhooks(environment, sends, count)
    with redis_behind_proxy() as url:
        with_redis = webhooks({**environment, "HOTLINE_REDIS_URL": url}, sends, count)
    return section(with_redis, in_memory, count)


def section(rows: list[Row], in_memory: list[Row], count: int) -> str:
    lines = [
        START,
        "## Shared state: Redis 2 ms away",
        "",
        f"`python bench/redis_latency.py` on {platform.node() or 'this machine'}, "
        f"{time.strftime('%Y-%m-%d')}: {count} webhooks of each kind, each a new CallSid or "
        "MessageSid, answered in-process (Flask's test client, one thread) with Redis behind a "
        f"proxy that holds each request {DELAY_SECONDS * 1000:.0f} ms. Round trips are what the "
        "app sends to Redis (a script is one). The machine's load average was "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: on a busy machine the times, "
        "not the round trips, swing with the neighbours.",
        "",
        "| webhook | round trips before | round trips | p50 ms | p99 ms | p50 ms, no Redis |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (name, trips, p50, p99), (_, _, alone, _) in zip(rows, in_memory, strict=True):
        lines.append(
            f"| {name} | {BEFORE[name]} | {trips:.2f} | {p50:.1f} | {p99:.1f} | {alone:.1f} |"
        )
    lines += [
        "",
        "Each webhook's limit, usage count and replay claim are one Lua script (one round trip), "
        "so Redis's distance is paid once per webhook: before, a text paid it five times. The "
        "last column is the same run with limits and counts in memory.",
        END,
    ]
    return "\n".join(lines) + "\n"


def write(text: str) -> None:
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if START in current and END in current:
        head, _, rest = current.partition(START)
        _, _, tail = rest.partition(END + "\n")
        updated = head + text + tail
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500, help="webhooks of each kind")
    parser.add_argument("--write", action="store_true", help="put the section in RESULTS.md")
    arguments = parser.parse_args()
    text = run(arguments.count)
    print(text)
    if arguments.write:
        write(text)


if __name__ == "__main__":
    main()
