"""Limits shared through a real Redis: across instances, keyed by HMAC, surviving an outage."""

from __future__ import annotations

import hashlib
import hmac
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline import create_app
from hotline.limits import FallbackBackend, Limits
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
    # The key is the HMAC under the app's secret: recomputable only with HOTLINE_SECRET_KEY.
    derived = hmac.new(SECRET_KEY.encode(), b"hotline caller keys v1", hashlib.sha256).digest()
    expected = hmac.new(derived, f"sms\x00{CANARY_CALLER}".encode(), hashlib.sha256)
    assert sender_keys[0].endswith(":" + expected.hexdigest()[:32])
    other = create_app(app_settings(HOTLINE_SECRET_KEY="another-secret-" + "x" * 40))
    assert other.config["HOTLINE_LIMITS"].keys.number("sms", CANARY_CALLER) not in sender_keys[0]


def test_the_line_keeps_answering_while_redis_is_away_and_shares_again_after(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = redis_app(own_redis.url, HOTLINE_CALL_LIMIT="2/hour")
    limits: Limits = app.config["HOTLINE_LIMITS"]
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


def test_an_unreachable_redis_at_start_does_not_stop_the_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.redis_server import free_port

    client = redis_app(f"redis://127.0.0.1:{free_port()}/0").test_client()
    assert not is_busy(greet(client, CANARY_CALLER, sid(1)))
    assert any("not answering" in r.getMessage() for r in caplog.records)
