"""Limits shared through a real Redis: across instances, keyed by HMAC, surviving an outage."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from hotline import create_app
from hotline.limits import FallbackBackend, Limits, MemoryBackend, RedisBackend
from hotline.limits.backends import Batch
from hotline.limits.step import Counter, Outcome, Result, Step
from hotline.services import services_of
from tests.conftest import SECRET_KEY, app_settings
from tests.redis_server import RedisServer
from tests.test_limits import greet, is_busy, sid, text
from tests.twilio_sim import CANARY_CALLER

CANARY_DIGITS = CANARY_CALLER.lstrip("+")


def redis_app(url: str, **extra: str) -> Flask:
    return create_app(app_settings(HOTLINE_REDIS_URL=url, **extra))


def test_two_instances_share_the_call_limit(redis_url: str) -> None:
    first = redis_app(redis_url, HOTLINE_CALL_LIMIT="2/hour").test_client()
    second = redis_app(redis_url, HOTLINE_CALL_LIMIT="2/hour").test_client()
    assert not is_busy(greet(first, CANARY_CALLER, sid(1)))
    assert not is_busy(greet(second, CANARY_CALLER, sid(2)))
    assert is_busy(greet(first, CANARY_CALLER, sid(3)))
    assert is_busy(greet(second, CANARY_CALLER, sid(4)))


def test_two_instances_share_text_limits_and_replays(redis_url: str) -> None:
    apps = [redis_app(redis_url, HOTLINE_SMS_LIMIT="2/hour") for _ in range(2)]
    first, second = (app.test_client(use_cookies=False) for app in apps)
    reply = text(first, CANARY_CALLER, sid(1, "SM"))
    assert text(second, CANARY_CALLER, sid(1, "SM")) == reply, "a retry on another instance"
    assert text(second, CANARY_CALLER, sid(2, "SM")) == reply
    notice = text(first, CANARY_CALLER, sid(3, "SM"))
    assert notice and notice != reply
    assert text(second, CANARY_CALLER, sid(4, "SM")) == []


def test_limit_keys_are_hmacs_that_expire(redis_url: str, redis_server: RedisServer) -> None:
    client = redis_app(redis_url).test_client(use_cookies=False)
    greet(client, CANARY_CALLER, sid(1))
    text(client, CANARY_CALLER, sid(2, "SM"))
    stored = redis_server.everything()
    assert stored, "the limits were kept in Redis"
    plain = {
        hashlib.sha256(form.encode()).hexdigest() for form in (CANARY_CALLER, CANARY_DIGITS)
    } | {hashlib.sha1(CANARY_CALLER.encode()).hexdigest()}
    for key, (_kind, value, ttl) in stored.items():
        assert ttl > 0, f"{key} never expires"
        for secret in [CANARY_DIGITS, *plain, *(p[:32] for p in plain)]:
            assert secret not in key and secret not in str(value), key
    sender_keys = [key for key in stored if key.startswith("hotline:sms:")]
    assert len(sender_keys) == 1
    # The key is the HMAC, under the app's secret, of the number and the window (so a caller's
    # code is new in every window): recomputable only with HOTLINE_SECRET_KEY.
    window = sender_keys[0].split(":")[2]
    derived = hmac.new(SECRET_KEY.encode(), b"hotline caller keys v1", hashlib.sha256).digest()
    expected = hmac.new(derived, f"sms:3600:{window}\x00{CANARY_CALLER}".encode(), hashlib.sha256)
    assert sender_keys[0] == f"hotline:sms:{window}:{expected.hexdigest()[:32]}"
    other = create_app(app_settings(HOTLINE_SECRET_KEY="another-secret-" + "x" * 40))
    code = services_of(other).limits.keys.number(f"sms:3600:{window}", CANARY_CALLER)
    assert code not in sender_keys[0]


def test_the_line_keeps_answering_while_redis_is_away_and_shares_again_after(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = redis_app(own_redis.url, HOTLINE_CALL_LIMIT="2/hour")
    limits: Limits = services_of(app).limits
    backend = limits.backend
    assert isinstance(backend, FallbackBackend)
    backend.retry_seconds = 0.0
    client: FlaskClient = app.test_client()
    assert not is_busy(greet(client, CANARY_CALLER, sid(1)))
    assert own_redis.everything()

    own_redis.stop()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        # Memory starts counting afresh: two more calls, then the limit holds again.
        assert not is_busy(greet(client, CANARY_CALLER, sid(2)))
        assert not is_busy(greet(client, CANARY_CALLER, sid(3)))
        assert is_busy(greet(client, CANARY_CALLER, sid(4))), "limits hold in memory meanwhile"
        assert text(client, CANARY_CALLER, sid(5, "SM"))
    warnings = [r.getMessage() for r in caplog.records if "Redis" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "not answering" in warnings[0] and "memory" in warnings[0]
    assert not backend.using_redis

    own_redis.start()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        greet(client, "+14135550199", sid(6))
    assert backend.using_redis
    assert any("answers again" in r.getMessage() for r in caplog.records)
    assert any(key.startswith("hotline:calls:") for key in own_redis.everything())


def test_what_was_counted_while_redis_was_away_is_added_to_it_when_it_returns(
    own_redis: RedisServer,
) -> None:
    app = redis_app(own_redis.url)
    backend = services_of(app).limits.backend
    assert isinstance(backend, FallbackBackend)
    backend.retry_seconds = 0.0
    client: FlaskClient = app.test_client()
    metrics = services_of(app).metrics

    def started_calls() -> int:
        return sum(c.value for c in metrics.counts() if (c.channel, c.item) == ("voice", "start"))

    greet(client, "+14135550101", sid(1))
    own_redis.stop()  # and with it, everything it held: it keeps nothing on disk
    greet(client, "+14135550102", sid(2))
    greet(client, "+14135550103", sid(3))
    assert not backend.using_redis
    assert started_calls() == 2, "while Redis is away, the figures are this process's"

    own_redis.start()
    greet(client, "+14135550104", sid(4))
    assert backend.using_redis
    deadline = time.monotonic() + 10
    while started_calls() < 3 and time.monotonic() < deadline:
        time.sleep(0.02)  # the counts are added by a thread of their own
    assert started_calls() == 3
    calls_window = [key for key in own_redis.everything() if key.startswith("hotline:calls:")]
    assert len(calls_window) == 3, "the outage's per-caller windows were added back too"


class FlakyRedis:
    """A stand-in for Redis (a MemoryBackend) that is away until told otherwise, and may fail
    the adding back. Like Redis, it adds a batch once however often it is sent."""

    where = "flaky:6379"

    def __init__(self) -> None:
        self.up = False
        self.fail_adding = False
        self.added_back = 0
        self.store = MemoryBackend()
        self.markers: set[str] = set()

    def run(self, step: Step) -> Result:
        if not self.up:
            raise redis.ConnectionError("away")
        return self.store.run(step)

    def add(self, batch: Batch) -> None:
        self.added_back += 1
        if self.fail_adding:
            raise redis.ConnectionError("away again")
        if batch.marker not in self.markers:
            self.markers.add(batch.marker)
            for key, amount, until in batch.amounts:
                for _ in range(amount):
                    self.store.run(Step(None, (Outcome("added", counts=(Counter(key, until),)),)))

    @property
    def counts(self) -> dict[str, int]:
        return self.store.counters("")


FAR = 4_000_000_000


def count(backend: FallbackBackend, key: str) -> None:
    backend.run(Step(None, (Outcome("counted", counts=(Counter(key, FAR),)),)))


def eventually(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_counts_that_could_not_be_added_back_are_kept_for_the_next_return() -> None:
    flaky = FlakyRedis()
    backend = FallbackBackend(flaky, retry_seconds=0.0)  # type: ignore[arg-type]
    count(backend, "usage")
    count(backend, "usage")
    flaky.up, flaky.fail_adding = True, True
    count(backend, "usage")  # back, and adding the two fails
    assert eventually(lambda: flaky.added_back == 1)
    assert flaky.counts == {"usage": 1}

    flaky.up = False
    count(backend, "usage")
    flaky.up, flaky.fail_adding = True, False
    count(backend, "usage")
    assert eventually(lambda: flaky.counts.get("usage") == 5)  # 2 + 1 kept, 2 in Redis


def test_batches_added_before_redis_went_away_again_are_not_added_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("hotline.limits.backends.REPAY_BATCH", 1)
    flaky = FlakyRedis()
    backend = FallbackBackend(flaky, retry_seconds=0.0)  # type: ignore[arg-type]
    count(backend, "first")
    count(backend, "second")
    real_add = flaky.add

    def add_then_fail(batch: Batch) -> None:
        if flaky.added_back >= 1:
            flaky.added_back += 1
            raise redis.ConnectionError("away again")
        real_add(batch)

    flaky.add = add_then_fail  # type: ignore[method-assign]
    flaky.up = True
    count(backend, "third")
    assert eventually(lambda: flaky.added_back == 2)
    assert flaky.counts == {"first": 1, "third": 1}

    flaky.add = real_add  # type: ignore[method-assign]
    flaky.up = False
    count(backend, "third")
    flaky.up = True
    count(backend, "fourth")
    assert eventually(lambda: flaky.counts.get("second") == 1)
    assert eventually(lambda: flaky.counts == {"first": 1, "second": 1, "third": 2, "fourth": 1})


def test_a_count_made_in_memory_as_redis_came_back_is_added_at_once() -> None:
    """Chaos review D7: it waited for the end of the next outage, or was lost with the worker."""
    flaky = FlakyRedis()
    backend = FallbackBackend(flaky, retry_seconds=60.0)  # type: ignore[arg-type]
    count(backend, "usage")  # Redis is away: counted in memory
    flaky.up = True
    in_memory = backend.fallback.run

    def while_another_thread_finds_redis_back(step: Step) -> Result:
        result = in_memory(step)
        backend._back()
        return result

    backend.fallback.run = while_another_thread_finds_redis_back  # type: ignore[method-assign]
    count(backend, "usage")
    assert eventually(lambda: flaky.counts.get("usage") == 2)


def test_a_batch_sent_again_after_a_lost_answer_is_added_once(redis_url: str) -> None:
    primary = RedisBackend(redis_url)
    batch = Batch("hotline:repaid:test", (("hotline:usage:x", 3, FAR),))
    primary.add(batch)
    primary.add(batch)
    assert primary.peek("hotline:usage:x") == 3


def test_an_unreachable_redis_at_start_does_not_stop_the_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.redis_server import free_port

    client = redis_app(f"redis://127.0.0.1:{free_port()}/0").test_client()
    assert not is_busy(greet(client, CANARY_CALLER, sid(1)))
    assert any("not answering" in r.getMessage() for r in caplog.records)
