"""Anonymous usage counts: what is counted, /metrics behind its token, and `hotline stats`."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from flask import Flask
from werkzeug.serving import make_server

from hotline import create_app
from hotline.cli import main
from hotline.limits import MemoryBackend
from hotline.metrics import Count, Metrics, prometheus
from hotline.metrics.counter import ZONE
from hotline.services import services_of
from tests.conftest import app_settings
from tests.redis_server import RedisServer
from tests.sms_sim import Texter
from tests.test_limits import Clock, greet, sid, text
from tests.twilio_sim import CANARY_CALLER, Call, signed_post

TOKEN = "metrics-token-0123456789abcdef-9f3c1a7e"


def counted(app: Flask) -> dict[tuple[str, str, str], int]:
    """Today's counts by (channel, language, item)."""
    metrics: Metrics = services_of(app).metrics
    return {(c.channel, c.language, c.item): c.value for c in metrics.counts()}


@pytest.fixture
def app() -> Flask:
    return create_app(app_settings(HOTLINE_METRICS_TOKEN=TOKEN))


def test_a_call_counts_its_start_language_menus_messages_and_the_office(app: Flask) -> None:
    call = Call(app.test_client()).start()
    call.press("1").press("1").press("2").press("*").press("0")
    assert counted(app) == {
        ("voice", "none", "start"): 1,
        ("voice", "en", "main"): 1,
        ("voice", "en", "police"): 1,
        ("voice", "en", "police-status"): 2,
        ("voice", "en", "office"): 1,
    }


def test_retries_after_silence_and_wrong_keys_are_not_visits(app: Flask) -> None:
    call = Call(app.test_client()).start()
    call.silence()
    call.press("1").press("7").silence()
    assert counted(app) == {("voice", "none", "start"): 1, ("voice", "en", "main"): 1}


def test_a_replayed_webhook_is_counted_once(app: Flask) -> None:
    client = app.test_client()
    params = {"CallSid": sid(1), "From": CANARY_CALLER, "Digits": "1"}
    for _ in range(3):
        signed_post(client, "/voice/key/en/main?try=1", params)
    headers = {"I-Twilio-Idempotency-Token": "retry-token-1"}
    for n in range(3):
        signed_post(
            client, "/voice/key/en/main?try=1", {**params, "CallSid": sid(2 + n)}, headers=headers
        )
    assert counted(app) == {("voice", "en", "police"): 2}


@pytest.mark.parametrize(
    "url",
    [
        "/voice/node/xx/main",
        "/voice/node/en/nowhere",
        "/voice/key/en/main/police/services?try=1",
        "/voice/node/en/main/police?try=2",
    ],
)
def test_places_outside_the_tree_are_not_counted(app: Flask, url: str) -> None:
    signed_post(app.test_client(), url, {"CallSid": sid(1), "Digits": "1"})
    assert counted(app) == {}


def test_texts_are_counted_by_where_they_lead(app: Flask) -> None:
    texter = Texter(app.test_client())
    texter.send("hello").send("1").send("1").send("STOP")
    assert counted(app) == {
        ("sms", "en", "main"): 1,
        ("sms", "en", "police"): 1,
        ("sms", "en", "police-role"): 1,
        ("sms", "none", "stop"): 1,
    }


def test_refusals_are_counted_without_the_caller() -> None:
    app = create_app(app_settings(HOTLINE_CALL_LIMIT="1/hour", HOTLINE_SMS_LIMIT="1/hour"))
    client = app.test_client(use_cookies=False)
    greet(client, CANARY_CALLER, sid(1))
    greet(client, CANARY_CALLER, sid(2))
    for n in range(3):
        text(client, CANARY_CALLER, sid(n, "SM"))
    text(client, "+447911123456", sid(9, "SM"))
    counts = counted(app)
    assert counts[("voice", "none", "busy")] == 1
    assert counts[("sms", "none", "sms-limited")] == 2
    assert counts[("sms", "none", "sms-foreign")] == 1


def test_days_are_the_citys_days() -> None:
    # 2026-02-15 03:00 UTC is still the evening of the 14th in Northampton.
    clock = Clock(1771124400.0)
    metrics = Metrics(MemoryBackend(clock), clock)
    metrics.count("voice", "en", "main")
    assert metrics.counts() == [Count("2026-02-14", "voice", "en", "main", 1)]


def test_a_count_after_midnight_is_the_next_days_even_across_a_clock_change() -> None:
    # 2026-03-08 04:59:59 UTC is 23:59:59 on the 7th; the clocks go forward at 2 a.m. that night.
    clock = Clock(1772945999.0)
    metrics = Metrics(MemoryBackend(clock), clock)
    metrics.count("voice", "en", "main")
    clock.now += 1  # midnight: the 8th, a day of 23 hours
    metrics.count("voice", "en", "main")
    clock.now += 23 * 3600 - 1  # 23:59:59 on the 8th
    metrics.count("voice", "en", "main")
    clock.now += 1
    metrics.count("sms", "en", "main")
    assert metrics.counts() == [
        Count("2026-03-07", "voice", "en", "main", 1),
        Count("2026-03-08", "voice", "en", "main", 2),
        Count("2026-03-09", "sms", "en", "main", 1),
    ]
    # The 9th's counts expire at midnight 91 days after it began (New York time).
    expires = dt.datetime.fromtimestamp(metrics.counter("sms", "en", "main").expires_at, ZONE)
    assert (expires.date(), expires.time()) == (dt.date(2026, 6, 8), dt.time())


@pytest.mark.parametrize(
    ("channel", "language", "item"),
    [
        ("fax", "en", "main"),
        ("voice", "EN", "main"),
        ("voice", "en", 'x"} 1\nevil'),
        ("sms", "en", "a:b"),
    ],
)
def test_only_plain_labels_are_counted(channel: str, language: str, item: str) -> None:
    with pytest.raises(ValueError, match="not a usage label"):
        Metrics(MemoryBackend()).count(channel, language, item)


# /metrics -----------------------------------------------------------------------------------


def test_metrics_are_hidden_without_a_token() -> None:
    client = create_app(app_settings()).test_client()
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


@pytest.mark.parametrize(
    "authorization", [None, "", f"Basic {TOKEN}", "Bearer wrong", f"Bearer {TOKEN}x", "Bearer"]
)
def test_metrics_need_the_right_bearer_token(app: Flask, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "hotline_usage_total" not in response.get_data(as_text=True)


def test_metrics_in_prometheus_text_format(app: Flask) -> None:
    Call(app.test_client()).start().press("2")
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == prometheus.CONTENT_TYPE
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    lines = body.splitlines()
    assert lines[0].startswith("# HELP hotline_usage_total ")
    assert lines[1] == "# TYPE hotline_usage_total counter"
    day = services_of(app).metrics.today()
    assert sorted(lines[2:]) == [
        f'hotline_usage_total{{day="{day}",channel="voice",language="es",item="main"}} 1',
        f'hotline_usage_total{{day="{day}",channel="voice",language="none",item="start"}} 1',
    ]
    assert prometheus.parse(body) == services_of(app).metrics.counts()


# hotline stats ------------------------------------------------------------------------------


def test_stats_reads_redis(redis_url: str) -> None:
    app = create_app(app_settings(HOTLINE_REDIS_URL=redis_url))
    Call(app.test_client()).start().press("1").press("2")
    result = CliRunner().invoke(main, ["stats"], env={"HOTLINE_REDIS_URL": redis_url})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Day", "Channel", "Language", "Item", "Count"]
    rows = [line.split() for line in lines[2:-2]]
    day = services_of(app).metrics.today()
    assert rows == [
        [day, "voice", "en", "main", "1"],
        [day, "voice", "en", "services", "1"],
        [day, "voice", "none", "start", "1"],
    ]
    assert lines[-1].split() == ["Total", "3"]


def test_stats_filters_by_day(redis_url: str) -> None:
    create_app(app_settings(HOTLINE_REDIS_URL=redis_url))
    Call(create_app(app_settings(HOTLINE_REDIS_URL=redis_url)).test_client()).start()
    env = {"HOTLINE_REDIS_URL": redis_url}
    result = CliRunner().invoke(main, ["stats", "--day", "1999-01-01"], env=env)
    assert result.output.strip() == "No usage has been counted yet."


def test_stats_without_redis_explains_that_counts_live_per_process() -> None:
    result = CliRunner().invoke(main, ["stats"], env={"HOTLINE_REDIS_URL": ""})
    assert result.exit_code == 1
    assert "HOTLINE_REDIS_URL is not set" in result.output
    assert "--url" in result.output


def test_stats_says_when_redis_cannot_be_reached() -> None:
    from tests.redis_server import free_port

    env = {"HOTLINE_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    result = CliRunner().invoke(main, ["stats"], env=env)
    assert result.exit_code == 1
    assert "Could not read Redis at 127.0.0.1:" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def running_line(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/metrics"
    server.shutdown()
    server.server_close()
    thread.join()


def test_stats_reads_a_running_line(app: Flask, running_line: str) -> None:
    Call(app.test_client()).start()
    env = {"HOTLINE_METRICS_TOKEN": TOKEN, "HOTLINE_REDIS_URL": ""}
    result = CliRunner().invoke(main, ["stats", "--url", running_line], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[2].split()[1:] == ["voice", "none", "start", "1"]
    env["HOTLINE_METRICS_TOKEN"] = "a-wrong-token-f0e1d2c3b4a5968778695a4b"
    result = CliRunner().invoke(main, ["stats", "--url", running_line], env=env)
    assert result.exit_code == 1
    assert "unauthorized" in result.output.lower()


def test_metrics_say_when_they_are_one_workers_while_redis_is_away(own_redis: RedisServer) -> None:
    app = create_app(app_settings(HOTLINE_METRICS_TOKEN=TOKEN, HOTLINE_REDIS_URL=own_redis.url))
    client = app.test_client()
    Call(client).start()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert "NOTE" not in client.get("/metrics", headers=headers).get_data(as_text=True)
    own_redis.stop()
    Call(client, caller="+14135550177").start()
    page = client.get("/metrics", headers=headers).get_data(as_text=True)
    assert page.startswith(prometheus.PARTIAL + "\n")
    assert prometheus.parse(page), "the counts are still readable"
