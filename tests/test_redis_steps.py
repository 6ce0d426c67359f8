"""Each webhook's business with Redis: one round trip, counted once through stalls, and expiries
that say nothing about when a caller called."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from hotline import create_app
from hotline.limits import FallbackBackend, Limits
from hotline.metrics import Metrics
from hotline.services import services_of, swap
from tests.conftest import app_settings
from tests.redis_server import RedisServer
from tests.test_limits import greet, sid, text
from tests.test_limits_redis import eventually
from tests.twilio_sim import CANARY_CALLER, signed_post

HOTLINE = "+14135550100"


def press(client: FlaskClient, caller: str, call_sid: str, digits: str = "1") -> None:
    params = {"CallSid": call_sid, "From": caller, "To": HOTLINE, "Digits": digits}
    assert signed_post(client, "/voice/language", params).status_code == 200


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every request the test's own thread (where the test client runs the webhook) sends to Redis.

    A pipeline is one. Left out: other threads of the app (the worker-version timer of /healthz),
    and the handshake of a new connection (CLIENT SETINFO, made once per connection, not per
    webhook, and only when the pool's connection happens to be busy on such a thread).
    """
    sent: list[bytes] = []
    real = redis.connection.Connection.send_packed_command
    test_thread = threading.get_ident()

    def counting(self, command, check_health=True):  # type: ignore[no-untyped-def]
        packed = command if isinstance(command, bytes) else b"".join(command)
        handshake = any(word in packed[:64].upper() for word in (b"CLIENT", b"HELLO", b"SELECT"))
        if threading.get_ident() == test_thread and not handshake:
            sent.append(packed)
        return real(self, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counting)
    yield sent


def test_each_webhook_makes_one_round_trip_to_redis(
    redis_url: str, round_trips: list[bytes]
) -> None:
    app = create_app(app_settings(HOTLINE_REDIS_URL=redis_url))
    client = app.test_client(use_cookies=False)
    greet(client, "+14135550111", sid(100))  # loads the scripts into Redis: once per server
    round_trips.clear()

    greet(client, CANARY_CALLER, sid(1))
    assert len(round_trips) == 1, "a greeting: limit, usage count and replay claim"
    press(client, CANARY_CALLER, sid(1))
    assert len(round_trips) == 2, "a key press: usage count and replay claim"
    text(client, CANARY_CALLER, sid(2, "SM"))
    assert len(round_trips) == 3, "a text: two limits, the ceiling, usage count, replay claim"
    assert all(b"EVALSHA" in command for command in round_trips)

    for _ in range(2):  # Twilio's retries: one round trip each, nothing counted again
        greet(client, CANARY_CALLER, sid(1))
        text(client, CANARY_CALLER, sid(2, "SM"))
    assert len(round_trips) == 7
    counted = {(c.channel, c.item): c.value for c in services_of(app).metrics.counts()}
    assert counted == {("voice", "start"): 2, ("voice", "main"): 1, ("sms", "main"): 1}


# Redis stalls ---------------------------------------------------------------------------------


def stall(server: RedisServer, seconds: float) -> threading.Thread:
    """Stall Redis for `seconds` (as a slow disk, a fork or a busy neighbour would)."""
    stalled = threading.Event()

    def sleep() -> None:
        with server.client() as client:
            client.ping()
            stalled.set()
            client.execute_command("DEBUG", "SLEEP", str(seconds))

    thread = threading.Thread(target=sleep)
    thread.start()
    stalled.wait(5)
    time.sleep(0.05)  # DEBUG SLEEP has reached Redis
    return thread


def usage(app: Flask) -> dict[tuple[str, str], int]:
    return {(c.channel, c.item): c.value for c in services_of(app).metrics.counts()}


@pytest.mark.parametrize("seconds", [0.7, 1.3])
def test_a_stall_during_a_count_neither_loses_nor_doubles_it_and_is_logged(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture, seconds: float
) -> None:
    """0.7 s: the command times out (0.5 s) and Redis takes it when it wakes; 1.3 s: the same,
    past where a retry would have timed out too. Chaos review F1."""
    app = create_app(app_settings(HOTLINE_REDIS_URL=own_redis.url))
    backend: FallbackBackend = services_of(app).limits.backend
    backend.retry_seconds = 0.0
    client = app.test_client(use_cookies=False)
    greet(client, "+14135550111", sid(100))  # connected, scripts loaded
    text(client, "+14135550111", sid(101, "SM"))

    with caplog.at_level(logging.WARNING):
        sleeper = stall(own_redis, seconds)
        started = time.monotonic()
        greet(client, CANARY_CALLER, sid(1))
        text(client, CANARY_CALLER, sid(2, "SM"))
        assert time.monotonic() - started < seconds + 0.5, "answered without waiting it out"
        sleeper.join()
    assert any("is not answering (TimeoutError)" in r.getMessage() for r in caplog.records)

    press(client, CANARY_CALLER, sid(1))  # Redis answers again: what it missed is added back
    assert backend.using_redis
    expected = {("voice", "start"): 2, ("sms", "main"): 2, ("voice", "main"): 1}
    assert eventually(lambda: usage(app) == expected), usage(app)
    time.sleep(0.2)  # nothing more arrives later
    assert usage(app) == expected


def test_a_stall_during_a_limit_counts_the_caller_once(own_redis: RedisServer) -> None:
    app = create_app(app_settings(HOTLINE_REDIS_URL=own_redis.url, HOTLINE_CALL_LIMIT="2/hour"))
    services_of(app).limits.backend.retry_seconds = 0.0
    client = app.test_client(use_cookies=False)
    greet(client, "+14135550111", sid(100))
    sleeper = stall(own_redis, 0.7)
    greet(client, CANARY_CALLER, sid(1))  # timed out, taken in memory, and by Redis on waking
    sleeper.join()
    greet(client, "+14135550111", sid(101))  # Redis is back
    calls = lambda: {  # noqa: E731
        key: value for key, value in own_redis_values(own_redis).items() if ":calls:" in key
    }
    assert eventually(lambda: sorted(calls().values()) == [1, 2]), calls()
    assert not is_refused(greet(client, CANARY_CALLER, sid(2))), "the caller's second call"


def own_redis_values(server: RedisServer) -> dict[str, object]:
    return {key: int(value) for key, (_, value, _) in server.everything().items()
            if isinstance(value, str) and value.isdigit()}  # fmt: skip


def is_refused(root) -> bool:  # type: ignore[no-untyped-def]
    return [verb.tag for verb in root] == ["Reject"]


# Expiries that do not tell time ---------------------------------------------------------------

QUARTER_HOUR_MS = 900_000


def future_clock(later: float = 0.0) -> Callable[[], float]:
    """A clock two days ahead (plus `later`), two minutes into a quarter hour, that moves with
    real time: every expiry it sets is in Redis's future."""
    now = time.time()
    base = (now // 86400 + 2) * 86400 + 13 * 3600 + 120 + later
    return lambda: base + (time.time() - now)


def test_no_key_expiry_tells_when_a_call_or_text_came(
    redis_url: str, redis_server: RedisServer
) -> None:
    app = create_app(app_settings(HOTLINE_REDIS_URL=redis_url, HOTLINE_CALL_LIMIT="5/hour"))
    clock = future_clock()
    limits: Limits = services_of(app).limits
    swap(
        app,
        limits=Limits(limits.backend, limits.keys, limits.settings, clock),
        metrics=Metrics(limits.backend, clock),
    )
    client = app.test_client(use_cookies=False)

    def visit(caller: str, n: int) -> None:
        greet(client, caller, sid(n))
        press(client, caller, sid(n))
        text(client, caller, sid(n, "SM"))

    visit(CANARY_CALLER, 1)
    first = expiries(redis_server)
    time.sleep(0.3)
    visit("+14135550199", 2)
    visit(CANARY_CALLER, 3)
    both = expiries(redis_server)
    assert set(first) < set(both)
    for key, at in both.items():
        assert at % QUARTER_HOUR_MS == 0, f"{key} expires at a time that depends on its last use"
        if key in first:
            assert at == first[key], f"{key}'s expiry moved when it was used again"
    # Keys of a kind end together, whoever made them and when.
    kinds: dict[str, set[int]] = {}
    for key, at in both.items():
        kinds.setdefault(key.split(":")[1], set()).add(at)
    assert all(len(ends) == 1 for ends in kinds.values()), kinds
    assert {"seen", "calls", "sms", "sms-replies", "usage"} <= set(kinds)


def expiries(server: RedisServer) -> dict[str, int]:
    """Every key's absolute expiry, in milliseconds."""
    with server.client() as client:
        return {key: client.pexpiretime(key) for key in client.scan_iter(count=1000)}


def test_a_callers_code_is_new_in_every_window(redis_url: str, redis_server: RedisServer) -> None:
    app = create_app(app_settings(HOTLINE_REDIS_URL=redis_url))
    limits: Limits = services_of(app).limits
    client = app.test_client(use_cookies=False)
    for n, later in enumerate([0, 3600]):
        clock = future_clock(later)
        swap(app, limits=Limits(limits.backend, limits.keys, limits.settings, clock))
        greet(client, CANARY_CALLER, sid(n))
    calls = sorted(key for key in redis_server.everything() if key.startswith("hotline:calls:"))
    assert len(calls) == 2
    (_, _, first_window, first_code), (_, _, second_window, second_code) = (
        key.split(":") for key in calls
    )
    assert int(second_window) == int(first_window) + 1
    assert first_code != second_code, "the same caller cannot be followed across windows"
