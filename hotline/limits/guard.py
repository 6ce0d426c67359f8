"""Decisions on abuse: too many calls, too many texts, replies abroad, replayed webhooks.

Each webhook is one step in the store (see step.py): the limit, the usage count and the replay
claim together, in one round trip to Redis, taken once however often Twilio retries.

Callers are counted in fixed windows under an HMAC of their number and the window, so a caller's
code changes every window and cannot be followed from one to the next; every key ends at the end
of its window. The API takes plain strings (numbers, SIDs) and the usage counters to add to, so
any channel's views can use it.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from hotline.limits.backends import Backend, MemoryBackend
from hotline.limits.logins import LoginThrottle
from hotline.limits.settings import AbuseSettings, Rate
from hotline.limits.step import Counter, Limit, Outcome, Step
from hotline.phone import E164
from hotline.privacy import CallerKeys, normalise
from hotline.whatsapp.address import SMS, WHATSAPP, channel_of, number_of

log = logging.getLogger(__name__)

PREFIX = "hotline:"
# Twilio retries a webhook within seconds, and a call's greeting is asked again within a minute.
# A replay key lives until the end of the next quarter hour (15 to 30 minutes), so its expiry
# says only in which quarter hour the webhook came.
REPLAY_BLOCK_SECONDS = 900
# What Twilio sends as From when a caller withholds their number (the words on a keypad):
# ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN, UNAVAILABLE. They are many people, not one.
WITHHELD = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})
# The window texters are counted in when the per-sender limit is off.
SENDER_WINDOW = Rate(count=1, seconds=3600)
UNBOUNDED = 2**53


class Verdict(enum.StrEnum):
    """What to do with an incoming text."""

    REPLY = "reply"
    # The first text past the sender's limit: one short notice, then silence.
    NOTICE = "notice"
    # The line's ceiling is reached: a sender's first text this window gets the short safe
    # notice (911 and the office), from an allowance of its own.
    SAFE_NOTICE = "safe-notice"
    SILENT = "silent"


class Reason(enum.StrEnum):
    """Why a text gets no ordinary reply; counted in the usage figures."""

    NONE = ""
    SENDER_LIMIT = "sms-limited"
    GLOBAL_LIMIT = "sms-ceiling"
    COUNTRY = "sms-foreign"


def identifiable(number: str | None) -> bool:
    """True for a real number; False when the caller withheld theirs or it is not a number."""
    if not number:
        return False
    number = normalise(number)
    return E164.match(number) is not None and number not in WITHHELD


@dataclass(frozen=True)
class Window:
    index: int
    ends_at: int


# What a text's step remembers, by outcome name, and the name of each.
_TEXT_OUTCOMES = {
    f"{verdict}:{reason}": (verdict, reason) for verdict in Verdict for reason in Reason
}
_OUTCOME_NAMES = {pair: name for name, pair in _TEXT_OUTCOMES.items()}


class Limits:
    """The line's abuse limits over a backend shared by every instance (or one process's memory).

    `count_usage=False` makes limits of their own for simulations (the staff console): they keep
    their own counts and add nothing to the usage figures.
    """

    def __init__(
        self,
        backend: Backend,
        keys: CallerKeys,
        settings: AbuseSettings,
        clock: Callable[[], float] = time.time,
        count_usage: bool = True,
    ) -> None:
        self.backend = backend
        self.keys = keys
        self.settings = settings
        self.count_usage = count_usage
        self._clock = clock
        self._warned_window: int | None = None
        # Made now, not on first use, so two threads cannot each make one.
        self._simulation = (
            Limits(MemoryBackend(clock), keys, settings, clock, count_usage=False)
            if count_usage
            else None
        )

    @property
    def logins(self) -> LoginThrottle:
        """Failed logins at the staff console and /metrics, in the same store."""
        return LoginThrottle(self.backend, self.keys, self._clock)

    def simulation(self) -> Limits:
        """Limits of their own for simulated calls and texts (the staff console): the same
        settings over this process's memory, adding nothing to the usage figures, so a training
        session can never use up the real line's limits."""
        return self._simulation or self

    def window(self, rate: Rate) -> Window:
        # Windows on the wall clock, so every instance counts in the same one.
        index = int(self._clock() // rate.seconds)
        return Window(index, (index + 1) * rate.seconds)

    def per_caller(self, name: str, rate: Rate, number: str) -> Counter:
        """A caller's counter this window, under a code that is new in every window."""
        window = self.window(rate)
        code = self.keys.number(f"{name}:{rate.seconds}:{window.index}", number)
        return Counter(f"{PREFIX}{name}:{window.index}:{code}", window.ends_at)

    def line_wide(self, name: str, rate: Rate) -> Counter:
        window = self.window(rate)
        return Counter(f"{PREFIX}{name}:{window.index}:all", window.ends_at)

    def replay_key(self, replay: str) -> Counter:
        block = int(self._clock() // REPLAY_BLOCK_SECONDS)
        key = f"{PREFIX}seen:{self.keys.key('replay', replay)}"
        return Counter(key, (block + 2) * REPLAY_BLOCK_SECONDS)

    def _usage(self, *counters: Counter | None) -> tuple[Counter, ...]:
        if not self.count_usage:
            return ()
        return tuple(counter for counter in counters if counter is not None)

    def _replay(self, replay: str | None) -> Counter | None:
        return None if replay is None else self.replay_key(replay)

    def visit(self, replay: str | None, counted: Counter | None) -> None:
        """Count one visit to a menu item, once per webhook however often it is replayed."""
        counts = self._usage(counted)
        if counts:
            self.backend.run(Step(self._replay(replay), (Outcome("counted", counts=counts),)))

    def call(
        self,
        caller: str | None,
        call_sid: str | None,
        answered: Counter | None = None,
        busy: Counter | None = None,
    ) -> bool:
        """Whether to answer a call, decided once per call; callers who hide their number pass.

        `answered` and `busy` are the usage counters to add to for either answer.
        """
        rate = self.settings.call_limit
        replay = self._replay(f"call\x00{call_sid}" if call_sid else None)
        if rate is None or not identifiable(caller):
            self.visit(f"call\x00{call_sid}" if call_sid else None, answered)
            return True
        assert caller is not None
        calls = self.per_caller("calls", rate, caller)
        step = Step(
            replay,
            (
                Outcome("allow", (Limit(calls, rate.count),), self._usage(answered)),
                Outcome("reject", counts=(calls, *self._usage(busy))),
            ),
        )
        return self.backend.run(step).outcome != "reject"

    def allowed_country(self, sender: str | None) -> bool:
        """A real number in a country the sender's channel replies to (WhatsApp: its own list)."""
        if sender is None:
            return False
        number = number_of(sender)
        if not identifiable(number):
            return False
        if channel_of(sender) == WHATSAPP:
            countries = self.settings.whatsapp_countries
            return countries is None or normalise(number).startswith(countries)
        return normalise(number).startswith(self.settings.sms_countries)

    def text(
        self,
        sender: str | None,
        replay: str | None,
        under_way: bool,
        replied: Counter | None = None,
        refused: Callable[[Reason], Counter | None] = lambda reason: None,
    ) -> tuple[Verdict, Reason]:
        """Whether to reply to a text, decided once per message.

        `under_way` is True for a text in a conversation already going (a valid cookie).
        `replied` is the usage counter for a reply, `refused` the one for each reason not to.
        A WhatsApp sender (`whatsapp:+…`) is a sender of its own kind, with its own counter; the
        line's ceiling and the notices' allowance are shared by both channels, as is the cost.
        """
        replay_key = self._replay(replay)
        if not self.allowed_country(sender):
            counted = self._usage(refused(Reason.COUNTRY))
            if counted:
                outcome = Outcome(f"{Verdict.SILENT}:{Reason.COUNTRY}", counts=counted)
                self.backend.run(Step(replay_key, (outcome,)))
            return Verdict.SILENT, Reason.COUNTRY
        assert sender is not None
        outcomes = self._text_outcomes(sender, under_way, replied, refused)
        step = Step(replay_key, outcomes)
        taken = self.backend.run(step).outcome
        verdict, reason = _TEXT_OUTCOMES.get(taken, (Verdict.REPLY, Reason.NONE))
        if reason is Reason.GLOBAL_LIMIT:
            self._warn_of_the_ceiling()
        return verdict, reason

    def _warn_of_the_ceiling(self) -> None:
        """Once per window and process: the line is short of replies for new texters."""
        ceiling = self.settings.sms_global_limit
        if ceiling is None or self._warned_window == self.window(ceiling).index:
            return
        self._warned_window = self.window(ceiling).index
        log.warning(
            "text replies this period reached the line's ceiling (HOTLINE_SMS_GLOBAL_LIMIT, %d; "
            "new conversations stop at three quarters of it, the rest is kept for conversations "
            "going on); new texters get only the short notice with 911 and the office. If this "
            "is real demand, raise the ceiling; if not, check Twilio's Messaging Insights for "
            "pumping",
            ceiling.count,
        )

    def _text_outcomes(
        self,
        sender: str,
        under_way: bool,
        replied: Counter | None,
        refused: Callable[[Reason], Counter | None],
    ) -> tuple[Outcome, ...]:
        """A text's possible outcomes, the best first; every one counts the sender's text."""
        rate = self.settings.sms_limit
        ceiling = self.settings.sms_global_limit
        notice_rate = self.settings.sms_notice_limit
        kind = WHATSAPP if channel_of(sender) == WHATSAPP else SMS
        texts = self.per_caller(kind, rate or SENDER_WINDOW, number_of(sender))
        # Several outcomes share a reason: each reason's usage counter is made once. (Every text
        # builds these outcomes, so this is written for speed: a tenth of a text's cost.)
        refused_counters: dict[Reason, Counter | None] = {}

        def outcome(verdict: Verdict, reason: Reason, *limits: Limit) -> Outcome:
            if verdict is Verdict.REPLY:
                counter = replied
            else:
                if reason not in refused_counters:
                    refused_counters[reason] = refused(reason)
                counter = refused_counters[reason]
            counts: tuple[Counter, ...] = (
                (counter,) if counter is not None and self.count_usage else ()
            )
            for limit in limits:
                if limit.counter == texts:
                    break
            else:
                counts = (texts, *counts)
            return Outcome(_OUTCOME_NAMES[verdict, reason], limits, counts)

        own = () if rate is None else (Limit(texts, rate.count),)
        sent: tuple[Limit, ...] = ()
        outcomes = [outcome(Verdict.REPLY, Reason.NONE, *own)]
        if ceiling is not None:
            replies = self.line_wide("sms-replies", ceiling)
            sent = (Limit(replies, ceiling.count),)
            # The last quarter of the ceiling is kept for conversations already going, and then
            # only for senders who have not used much of it each.
            outcomes = [
                outcome(Verdict.REPLY, Reason.NONE, *own, Limit(replies, new_texts(ceiling)))
            ]
            if under_way:
                share = () if rate is None else (Limit(texts, rate.count // 4 or 1),)
                outcomes.append(outcome(Verdict.REPLY, Reason.NONE, *share, *sent))
        if rate is not None:
            just_over = Limit(texts, most=rate.count + 1, least=rate.count + 1)
            outcomes.append(outcome(Verdict.NOTICE, Reason.SENDER_LIMIT, just_over, *sent))
        if ceiling is not None and notice_rate is not None:
            notices = self.line_wide("sms-notices", notice_rate)
            first_this_window = Limit(texts, 1)
            outcomes.append(
                outcome(
                    Verdict.SAFE_NOTICE,
                    Reason.GLOBAL_LIMIT,
                    first_this_window,
                    Limit(notices, notice_rate.count),
                )
            )
        if rate is not None:
            past = Limit(texts, most=UNBOUNDED, least=rate.count + 2)
            outcomes.append(outcome(Verdict.SILENT, Reason.SENDER_LIMIT, past))
        outcomes.append(outcome(Verdict.SILENT, Reason.GLOBAL_LIMIT))
        return tuple(outcomes)


def new_texts(ceiling: Rate) -> int:
    """Replies a period may give to texts that start a conversation: three quarters of all."""
    return ceiling.count - ceiling.count // 4
