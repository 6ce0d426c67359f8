"""Abuse limits with the embedded in-memory store: calls, texts, countries, ceiling, replays."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline import create_app
from hotline.config import ConfigError
from hotline.emulator import SignedPoster
from hotline.limits import AbuseSettings, Limits, MemoryBackend, Rate, Verdict
from hotline.limits.settings import parse_rate
from hotline.limits.step import Counter, Limit, Outcome, Result, Step
from hotline.privacy import CallerKeys
from hotline.services import services_of, swap
from tests.conftest import SECRET_KEY, app_settings
from tests.sms_sim import Texter
from tests.twilio_sim import AUTH_TOKEN, CANARY_CALLER, PUBLIC_URL, Call, parse_twiml, signed_post

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
    assert settings.sms_notice_limit == Rate(300, 3600)
    assert settings.sms_countries == ("+1",)
    assert settings.redis_url is None and settings.metrics_token is None


# The in-memory store ------------------------------------------------------------------------


def counted(key: str, expires_at: int, replay: str | None = None) -> Step:
    """A step that adds one to `key`, once per `replay`."""
    remembered = None if replay is None else Counter(replay, expires_at)
    return Step(remembered, (Outcome("counted", counts=(Counter(key, expires_at),)),))


def test_memory_counters_and_replays_expire_at_their_boundary() -> None:
    clock = Clock(100.0)
    backend = MemoryBackend(clock)
    for n in range(3):
        assert backend.run(counted("k", 110, replay=f"r{n}")) == Result("counted", first=True)
    assert backend.run(counted("k", 110, replay="r1")) == Result("counted", first=False)
    assert backend.peek("k") == 3
    clock.now = 110
    assert backend.peek("k") == 0
    assert backend.run(counted("k", 120, replay="r1")).first, "the replay key expired too"
    assert backend.counters("") == {"k": 1}


def test_a_step_takes_its_first_outcome_whose_limits_hold() -> None:
    backend = MemoryBackend(Clock(0.0))
    calls = Counter("calls", 100)
    step = Step(
        None,
        (
            Outcome("allow", (Limit(calls, 2),), (Counter("usage:start", 100),)),
            Outcome("reject", counts=(calls, Counter("usage:busy", 100))),
        ),
    )
    assert [backend.run(step).outcome for _ in range(4)] == ["allow", "allow", "reject", "reject"]
    assert backend.counters("") == {"calls": 4, "usage:start": 2, "usage:busy": 2}


def test_memory_sweeps_expired_keys() -> None:
    clock = Clock(0.0)
    backend = MemoryBackend(clock)
    for n in range(100):
        backend.run(counted(f"sender-{n}", 5))
    clock.now += 61
    backend.run(counted("new", 100))
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


def test_past_the_ceiling_new_texters_get_only_the_safe_notice(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = limited_app(HOTLINE_SMS_GLOBAL_LIMIT="3/hour").test_client(use_cookies=False)
    replies = [text(client, f"+1413555{n:04d}", sid(n, "SM")) for n in range(5)]
    assert replies[0] and replies[0] == replies[1] == replies[2], "the welcome, as usual"
    for notice in replies[3:]:
        assert notice != replies[0]
        assert len(notice) == 1 and "911" in notice[0] and "413-587-1249" in notice[0]
    assert text(client, "+14135550003", sid(9, "SM")) == [], "one notice per sender and hour"
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
    app = limited_app()
    client = app.test_client()
    Call(client).start()
    params = {"CallSid": sid(1), "From": CANARY_CALLER, "To": "+14135550100", "Digits": "1"}
    for n, token in enumerate(["abc", "abc", "abd"]):
        # The same token marks a retry even where Twilio changed another field.
        headers = {"I-Twilio-Idempotency-Token": token}
        signed_post(client, "/voice/language", {**params, "CallSid": sid(n)}, headers=headers)
    counted = {(c.language, c.item): c.value for c in services_of(app).metrics.counts()}
    assert counted[("en", "main")] == 2


def test_limits_fail_open_when_the_store_breaks(monkeypatch: pytest.MonkeyPatch) -> None:
    app = limited_app()
    backend = services_of(app).limits.backend

    def broken(*args: object) -> int:
        raise RuntimeError("store is broken")

    monkeypatch.setattr(backend, "run", broken)
    client = app.test_client()
    assert not is_busy(greet(client, CANARY_CALLER, sid(1)))
    assert Texter(client).send("hello").replies


def test_limits_are_decided_once_per_message_with_the_verdicts() -> None:
    clock = Clock()
    settings = AbuseSettings.from_env({"HOTLINE_SMS_LIMIT": "1/hour"})
    limits = Limits(MemoryBackend(clock), CallerKeys(SECRET_KEY), settings, clock)

    def verdict(message: str) -> Verdict:
        return limits.text(CANARY_CALLER, message, under_way=False)[0]

    assert [verdict(m) for m in ["m1", "m2", "m3", "m2", "m1"]] == [
        Verdict.REPLY,
        Verdict.NOTICE,
        Verdict.SILENT,
        Verdict.NOTICE,
        Verdict.REPLY,
    ]


def test_each_webhook_is_one_step_in_the_store_and_a_retry_counts_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The limit, the usage count and the replay claim together: one round trip with Redis."""
    app = limited_app()
    backend = services_of(app).limits.backend
    steps: list[Step] = []
    real_run = backend.run

    def run(step: Step) -> Result:
        steps.append(step)
        return real_run(step)

    monkeypatch.setattr(backend, "run", run)
    client = app.test_client(use_cookies=False)
    press = {"CallSid": sid(1), "From": CANARY_CALLER, "To": "+14135550100", "Digits": "1"}
    for _ in range(2):  # the first delivery, then Twilio's retry
        greet(client, CANARY_CALLER, sid(1))
        signed_post(client, "/voice/language", press)
        text(client, CANARY_CALLER, sid(1, "SM"))
    assert len(steps) == 6, steps
    assert all(step.replay is not None for step in steps)
    counted = {(c.channel, c.item): c.value for c in services_of(app).metrics.counts()}
    assert counted == {("voice", "start"): 1, ("voice", "main"): 1, ("sms", "main"): 1}


# The staff console's simulations -----------------------------------------------------------


def test_simulated_texts_never_spend_the_real_lines_limits() -> None:
    """Security review finding 3: a training session used up the real ceiling."""
    app = limited_app(HOTLINE_SMS_GLOBAL_LIMIT="4/hour", HOTLINE_SMS_LIMIT="2/hour")
    console = SignedPoster.for_app(app, AUTH_TOKEN, PUBLIC_URL, simulated=True)
    for n in range(12):
        params = {"MessageSid": sid(n, "SM"), "From": f"+14135551{n:03d}", "Body": "hola"}
        console.post("/sms", {**params, "To": "+14135550100"})
        console.post("/sms", {**params, "MessageSid": sid(100 + n, "SM"), "To": "+14135550100"})
    client = app.test_client(use_cookies=False)
    assert text(client, CANARY_CALLER, sid(1, "SM")), "the real line still replies"
    assert text(client, CANARY_CALLER, sid(2, "SM")), "and the sender's own limit is untouched"
    assert {c.item for c in services_of(app).metrics.counts()} == {"main"}, "real texts only"


def test_during_an_attack_conversations_going_keep_replies_and_newcomers_read_911() -> None:
    """Security review finding 4: a few numbers used up the ceiling and silenced everyone."""
    app = limited_app(HOTLINE_SMS_GLOBAL_LIMIT="40/hour", HOTLINE_SMS_LIMIT="20/hour")
    client = app.test_client(use_cookies=False)  # each texter keeps its own, as Twilio does
    resident = Texter(client, number="+14135550150")
    assert resident.send("hello").replies
    for attacker in ["+14135550901", "+14135550902"]:
        flooding = Texter(client, number=attacker)
        for _ in range(20):
            flooding.send("1")
    for body in ["1", "9", "1", "9"]:
        assert resident.send(body).replies, "the conversation going keeps its replies"
    newcomer = Texter(client, number="+14135550151").send("hola")
    assert len(newcomer.replies) == 1
    assert "911" in newcomer.text and "413-587-1249" in newcomer.text
