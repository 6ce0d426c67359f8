"""Abuse limits with the embedded in-memory store: calls, texts, countries, ceiling, replays."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline import create_app
from hotline.config import ConfigError
from hotline.limits import AbuseSettings, Limits, MemoryBackend, Rate, Verdict
from hotline.limits.settings import parse_rate
from hotline.privacy import CallerKeys
from hotline.services import services_of, swap
from tests.conftest import SECRET_KEY, app_settings
from tests.sms_sim import Texter
from tests.twilio_sim import CANARY_CALLER, Call, parse_twiml, signed_post

OTHER_CALLER = "+14135550199"


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: float = 1_770_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limited_app(clock: Clock | None = None, **extra: str) -> Flask:
    app = create_app(app_settings(**extra))
    if clock is not None:
        old: Limits = services_of(app).limits
        swap(app, limits=Limits(MemoryBackend(clock), CallerKeys(SECRET_KEY), old.settings, clock))
    return app


def greet(client: FlaskClient, caller: str, call_sid: str, headers=None):
    params = {"CallSid": call_sid, "From": caller, "To": "+14135550100", "CallStatus": "ringing"}
    response = signed_post(client, "/voice", params, headers=headers)
    assert response.status_code == 200
    return parse_twiml(response.data)


def is_busy(root) -> bool:
    verbs = list(root)
    return [v.tag for v in verbs] == ["Reject"] and verbs[0].get("reason") == "busy"


def sid(n: int, prefix: str = "CA") -> str:
    return prefix + f"{n:032x}"


def text(client: FlaskClient, sender: str, message_sid: str, body: str = "hello") -> list[str]:
    """One text from `sender` with no conversation yet; the texts of the reply."""
    params = {"MessageSid": message_sid, "From": sender, "To": "+14135550100", "Body": body}
    response = signed_post(client, "/sms", params)
    assert response.status_code == 200
    return [m.text or "" for m in parse_twiml(response.data, {"Message"})]


# Settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20/hour", Rate(20, 3600)),
        ("20/hours", Rate(20, 3600)),
        (" 5 / minute ", Rate(5, 60)),
        ("100/day", Rate(100, 86400)),
        ("3/second", Rate(3, 1)),
        ("off", None),
        ("OFF", None),
    ],
)
def test_rates_are_read_from_settings(text: str, expected: Rate | None) -> None:
    assert parse_rate("HOTLINE_SMS_LIMIT", text) == expected


@pytest.mark.parametrize("text", ["20", "twenty/hour", "20/fortnight", "0/hour", "20/", "/hour"])
def test_a_wrong_rate_says_how_to_write_it(text: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_rate("HOTLINE_SMS_LIMIT", text)
    message = str(error.value)
    assert f"HOTLINE_SMS_LIMIT is '{text}'" in message
    assert "such as 60/hour" in message and "'off'" in message


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("HOTLINE_SMS_COUNTRIES", "1", "each starting with '+'"),
        ("HOTLINE_SMS_COUNTRIES", "+1,+44x", "such as +1 or +1,+52"),
        ("HOTLINE_REDIS_URL", "localhost:6379", "redis://localhost:6379/0"),
        ("HOTLINE_CALL_LIMIT", "ten", "such as 10/hour"),
    ],
)
def test_wrong_settings_stop_the_app_with_a_hint(name: str, value: str, hint: str) -> None:
    with pytest.raises(ConfigError, match=name) as error:
        create_app(app_settings(**{name: value}))
    assert hint in str(error.value)


def test_defaults_limit_calls_and_texts_and_reply_only_to_plus_one() -> None:
    settings = AbuseSettings.from_env({})
    assert settings.call_limit == Rate(10, 3600)
    assert settings.sms_limit == Rate(60, 3600)
    assert settings.sms_global_limit == Rate(1000, 3600)
    assert settings.sms_countries == ("+1",)
    assert settings.redis_url is None and settings.metrics_token is None


# The in-memory store ------------------------------------------------------------------------


def test_memory_counters_and_claims_expire() -> None:
    clock = Clock(100.0)
    backend = MemoryBackend(clock)
    assert [backend.incr("k", 10) for _ in range(3)] == [1, 2, 3]
    assert backend.claim("c", "first", 10) is None
    assert backend.claim("c", "second", 10) == "first"
    clock.now += 10
    assert backend.incr("k", 10) == 1
    assert backend.claim("c", "third", 10) is None
    assert backend.counters("") == {"k": 1}


def test_memory_sweeps_expired_keys() -> None:
    clock = Clock(0.0)
    backend = MemoryBackend(clock)
    for n in range(100):
        backend.incr(f"sender-{n}", 5)
    clock.now += 61
    backend.incr("new", 5)
    assert list(backend._values) == ["new"]


# Calls --------------------------------------------------------------------------------------


def test_a_caller_past_the_call_limit_is_rejected_as_busy_and_others_are_not() -> None:
    client = limited_app(HOTLINE_CALL_LIMIT="3/hour").test_client()
    for n in range(3):
        assert not is_busy(greet(client, CANARY_CALLER, sid(n)))
    assert is_busy(greet(client, CANARY_CALLER, sid(3)))
    assert is_busy(greet(client, "+1 (413) 555-0123", sid(4))), "another format is the same caller"
    assert not is_busy(greet(client, OTHER_CALLER, sid(5)))


def test_the_call_limit_is_per_window() -> None:
    clock = Clock()
    client = limited_app(clock, HOTLINE_CALL_LIMIT="1/hour").test_client()
    clock.now = 3600 * 500_000
    assert not is_busy(greet(client, CANARY_CALLER, sid(1)))
    assert is_busy(greet(client, CANARY_CALLER, sid(2)))
    clock.now += 3600
    assert not is_busy(greet(client, CANARY_CALLER, sid(3)))


def test_a_limited_call_still_hears_the_whole_line_when_allowed() -> None:
    """The limit is decided once per call: the greeting's retries are the same call."""
    client = limited_app(HOTLINE_CALL_LIMIT="1/hour").test_client()
    heard = Call(client).start()
    assert heard.pending_gather is not None
    heard.silence()
    assert heard.pending_gather is not None, "the second greeting is not refused"
    assert heard.press("1").pending_gather is not None


@pytest.mark.parametrize(
    "withheld", ["+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253", "", "abc"]
)
def test_callers_who_withhold_their_number_are_never_limited(withheld: str) -> None:
    client = limited_app(HOTLINE_CALL_LIMIT="1/hour").test_client()
    for n in range(4):
        assert not is_busy(greet(client, withheld, sid(n)))


def test_a_replayed_greeting_gets_the_same_answer_and_counts_once() -> None:
    client = limited_app(HOTLINE_CALL_LIMIT="2/hour").test_client()
    first = greet(client, CANARY_CALLER, sid(1))
    for _ in range(3):
        assert not is_busy(greet(client, CANARY_CALLER, sid(1)))
    assert not is_busy(greet(client, CANARY_CALLER, sid(2))), "replays were not counted"
    refused = greet(client, CANARY_CALLER, sid(3))
    assert is_busy(refused)
    assert is_busy(greet(client, CANARY_CALLER, sid(3))), "the replay of a refusal is refused"
    assert not is_busy(first)


def test_the_call_limit_can_be_switched_off() -> None:
    client = limited_app(HOTLINE_CALL_LIMIT="off").test_client()
    assert not any(is_busy(greet(client, CANARY_CALLER, sid(n))) for n in range(15))


# Texts --------------------------------------------------------------------------------------


def test_a_texter_past_the_limit_gets_one_notice_then_silence() -> None:
    client = limited_app(HOTLINE_SMS_LIMIT="3/hour").test_client()
    texter = Texter(client)
    for _ in range(3):
        assert texter.send("hello").replies
    notice = texter.send("1").text
    assert notice == (
        "You have sent many messages, so this line will not reply for a while. "
        "In an emergency call 911. Mayor's Office: 413-587-1249."
    )
    for _ in range(3):
        assert texter.send("1").replies == []
    assert text(client, OTHER_CALLER, sid(99, "SM")), "others are unaffected"


def test_without_a_paused_sentence_the_notice_is_the_safe_reply() -> None:
    client = limited_app(HOTLINE_SMS_LIMIT="1/hour").test_client()
    texter = Texter(client)
    texter.send("ES")
    notice = texter.send("1").text
    assert notice.startswith("Línea de información de la ciudad de Northampton.")  # sms.help
    assert "911" in notice and "413-587-1249" in notice


def test_the_notice_keeps_the_conversation_where_it_was() -> None:
    client = limited_app(HOTLINE_SMS_LIMIT="2/hour").test_client()
    texter = Texter(client)
    texter.send("hello")
    texter.send("1")
    cookies = dict(texter.jar.cookies)
    texter.send("2")
    assert texter.jar.cookies == cookies


@pytest.mark.parametrize("sender", ["+447911123456", "+5215512345678", "+882123456789", "CITY"])
def test_texts_from_outside_the_allowed_countries_get_no_reply(sender: str) -> None:
    client = limited_app().test_client(use_cookies=False)
    assert text(client, sender, sid(1, "SM")) == []


def test_more_countries_can_be_allowed() -> None:
    client = limited_app(HOTLINE_SMS_COUNTRIES="+1, +44").test_client(use_cookies=False)
    assert text(client, "+447911123456", sid(1, "SM"))
    assert text(client, "+5215512345678", sid(2, "SM")) == []


def test_the_global_ceiling_stops_all_replies(caplog: pytest.LogCaptureFixture) -> None:
    client = limited_app(HOTLINE_SMS_GLOBAL_LIMIT="3/hour").test_client(use_cookies=False)
    replies = [bool(text(client, f"+1413555{n:04d}", sid(n, "SM"))) for n in range(5)]
    assert replies == [True, True, True, False, False]
    ceiling = [r for r in caplog.records if "HOTLINE_SMS_GLOBAL_LIMIT" in r.getMessage()]
    assert len(ceiling) == 1, "warned once, not per text"


def test_a_replayed_text_gets_the_same_answer_and_counts_once() -> None:
    # Twilio retries with the cookies of the first attempt: here, none.
    client = limited_app(HOTLINE_SMS_LIMIT="2/hour").test_client(use_cookies=False)
    first = text(client, CANARY_CALLER, sid(7, "SM"))
    for _ in range(3):
        assert text(client, CANARY_CALLER, sid(7, "SM")) == first
    assert text(client, CANARY_CALLER, sid(8, "SM")) == first, "replays were not counted"
    assert text(client, CANARY_CALLER, sid(9, "SM")) != first, "the third text is past the limit"


def test_an_idempotency_token_marks_a_retry() -> None:
    limits = services_of(limited_app()).limits
    assert limits.first_time("token\x00abc")
    assert not limits.first_time("token\x00abc")
    assert limits.first_time("token\x00abd")


def test_limits_fail_open_when_the_store_breaks(monkeypatch: pytest.MonkeyPatch) -> None:
    app = limited_app()
    backend = services_of(app).limits.backend

    def broken(*args: object) -> int:
        raise RuntimeError("store is broken")

    monkeypatch.setattr(backend, "incr", broken)
    monkeypatch.setattr(backend, "claim", broken)
    client = app.test_client()
    assert not is_busy(greet(client, CANARY_CALLER, sid(1)))
    assert Texter(client).send("hello").replies


def test_limits_are_decided_once_per_message_with_the_verdicts() -> None:
    clock = Clock()
    settings = AbuseSettings.from_env({"HOTLINE_SMS_LIMIT": "1/hour"})
    limits = Limits(MemoryBackend(clock), CallerKeys(SECRET_KEY), settings, clock)
    assert limits.sms_verdict(CANARY_CALLER, "m1")[0] is Verdict.REPLY
    assert limits.sms_verdict(CANARY_CALLER, "m2")[0] is Verdict.NOTICE
    assert limits.sms_verdict(CANARY_CALLER, "m3")[0] is Verdict.SILENT
    assert limits.sms_verdict(CANARY_CALLER, "m2")[0] is Verdict.NOTICE
    assert limits.sms_verdict(CANARY_CALLER, "m1")[0] is Verdict.REPLY


def test_a_webhook_makes_one_replay_claim_shared_by_its_limit_and_its_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One store round trip less per call and per text (with Redis, one network hop)."""
    app = limited_app()
    backend = services_of(app).limits.backend
    claims: list[str] = []
    real_claim = backend.claim

    def counted_claim(key: str, value: str, ttl: int) -> str | None:
        claims.append(key)
        return real_claim(key, value, ttl)

    monkeypatch.setattr(backend, "claim", counted_claim)
    client = app.test_client(use_cookies=False)
    for _ in range(2):  # the first delivery, then Twilio's retry
        greet(client, CANARY_CALLER, sid(1))
        text(client, CANARY_CALLER, sid(1, "SM"))
    assert len(claims) == 4, claims
    counted = {(c.channel, c.item): c.value for c in services_of(app).metrics.counts()}
    assert counted == {("voice", "start"): 1, ("sms", "main"): 1}
