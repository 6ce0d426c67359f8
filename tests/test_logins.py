"""The doors of the staff console and /metrics: strong secrets only, and guessing throttled."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hotline import create_app
from hotline.config import ConfigError
from hotline.limits import Limits, MemoryBackend
from hotline.limits.logins import MOST_FAILURES
from hotline.services import services_of, swap
from hotline.strength import password_problem, token_problem
from tests.conftest import app_settings
from tests.test_limits import Clock
from tests.test_staff import PASSWORD, basic, staff_app

TOKEN = "metrics-token-f0e1d2c3b4a5968778695a4b3c2d1e0f"
GUESS = "Northampton-guess-0042"


@pytest.mark.parametrize(
    "weak",
    [
        "aaaaaaaaaaaa",
        "abababababab",
        "Northampton1",
        "Northampton2026!",
        "password123456",
        "qwertyuiop12",
        "Springfield2026!",
        "1234567890abcdef",
    ],
)
def test_obviously_weak_staff_passwords_are_refused_at_start(weak: str) -> None:
    with pytest.raises(ConfigError, match="HOTLINE_STAFF_PASSWORD is too easy to guess") as error:
        staff_app(HOTLINE_STAFF_PASSWORD=weak)
    assert "secrets.token_urlsafe" in str(error.value), "says how to make a good one"
    assert weak not in str(error.value), "the password is not repeated in a log"


@pytest.mark.parametrize(
    "strong", ["correct horse battery staple", "Xk9#mP2qL7vR", "bright-otter-maple-violin"]
)
def test_passwords_that_are_not_obvious_are_accepted(strong: str) -> None:
    assert password_problem("HOTLINE_STAFF_PASSWORD", strong) is None
    staff_app(HOTLINE_STAFF_PASSWORD=strong)


@pytest.mark.parametrize("weak", ["a", "0123456789abcdef", "3f9a" * 8, "x" * 40])
def test_a_weak_metrics_token_is_refused_at_start(weak: str) -> None:
    with pytest.raises(ConfigError, match=r"HOTLINE_METRICS_TOKEN has .* use at least 32"):
        create_app(app_settings(HOTLINE_METRICS_TOKEN=weak))
    assert token_problem("HOTLINE_METRICS_TOKEN", TOKEN) is None


def from_address(client: FlaskClient, address: str) -> FlaskClient:
    client.environ_base["REMOTE_ADDR"] = address
    return client


def guess(client: FlaskClient, password: str = GUESS) -> TestResponse:
    return client.get("/staff/", headers=basic("staff", password))


def test_a_client_that_keeps_guessing_is_refused_for_the_rest_of_the_quarter_hour(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = staff_app()
    clock = Clock(1_769_999_700.0)  # 5 minutes into a quarter hour
    limits: Limits = services_of(app).limits
    swap(app, limits=Limits(MemoryBackend(clock), limits.keys, limits.settings, clock))
    attacker = from_address(app.test_client(), "203.0.113.7")
    assert attacker.get("/staff/").status_code == 401, "asking for the password is no failure"
    with caplog.at_level(logging.WARNING):
        for _ in range(MOST_FAILURES):
            assert guess(attacker).status_code == 401
        refused = guess(attacker, PASSWORD)
    assert refused.status_code == 429, "not even the right password gets in now"
    assert refused.headers["Retry-After"] == "600"
    assert refused.get_data(as_text=True) == (
        "Too many wrong passwords from this address. Try again in 10 minutes.\n"
    )
    failures = [r.getMessage() for r in caplog.records if "wrong password" in r.getMessage()]
    assert len(failures) == MOST_FAILURES
    assert "refused for the next 10 minutes" in failures[-1]
    assert all(GUESS not in line and "203.0.113.7" not in line for line in caplog.text.splitlines())

    colleague = from_address(app.test_client(), "198.51.100.20")
    assert guess(colleague, PASSWORD).status_code == 200, "another client is not locked out"
    clock.now += 600
    assert guess(attacker, PASSWORD).status_code == 200, "the next quarter hour starts afresh"


def test_guessing_the_metrics_token_is_throttled_too() -> None:
    app = create_app(app_settings(HOTLINE_METRICS_TOKEN=TOKEN))
    client = from_address(app.test_client(), "203.0.113.7")

    def get(token: str) -> int:
        return client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code

    assert [get("wrong") for _ in range(MOST_FAILURES)] == [401] * MOST_FAILURES
    assert get(TOKEN) == 429


def test_instances_share_the_count_of_failures_through_redis(redis_url: str) -> None:
    def instance() -> Flask:
        return staff_app(HOTLINE_REDIS_URL=redis_url)

    first, second = (from_address(instance().test_client(), "203.0.113.7") for _ in range(2))
    for n in range(MOST_FAILURES):
        assert guess(first if n % 2 else second).status_code == 401
    assert guess(first, PASSWORD).status_code == 429
    assert guess(second, PASSWORD).status_code == 429
