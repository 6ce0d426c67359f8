"""Decisions on abuse: too many calls, too many texts, replies abroad, replayed webhooks.

Callers are counted under an HMAC of their number in fixed windows that expire; a replayed
webhook gets the decision the first one got and is not counted again.
"""

from __future__ import annotations

import enum
import logging
import re
import time
from collections.abc import Callable

from hotline.limits.backends import Backend
from hotline.limits.settings import AbuseSettings, Rate
from hotline.privacy import CallerKeys, normalise
from hotline.whatsapp.address import SMS, WHATSAPP, channel_of, number_of

log = logging.getLogger(__name__)

PREFIX = "hotline:"
# Twilio retries a webhook within seconds, and a call's greeting is asked again within a minute;
# fifteen minutes covers both, and keeps each worker's memory small under a surge (one key, about
# 200 bytes, per webhook).
REPLAY_SECONDS = 900
PENDING = "pending"
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
# What Twilio sends as From when a caller withholds their number (the words on a keypad):
# ANONYMOUS, RESTRICTED, BLOCKED, UNKNOWN, UNAVAILABLE. They are many people, not one.
WITHHELD = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})


class Verdict(enum.StrEnum):
    """What to do with an incoming text."""

    REPLY = "reply"
    # The first text past the sender's limit: one short notice, then silence.
    NOTICE = "notice"
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
    return _E164.match(number) is not None and number not in WITHHELD


class Limits:
    """The line's abuse limits over a backend shared by every instance (or one process's memory)."""

    def __init__(
        self,
        backend: Backend,
        keys: CallerKeys,
        settings: AbuseSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backend = backend
        self.keys = keys
        self.settings = settings
        self._clock = clock

    def _window(self, rate: Rate) -> int:
        # Windows on the wall clock, so every instance counts in the same one.
        return int(self._clock() // rate.seconds)

    def _count(self, name: str, rate: Rate, who: str) -> int:
        return self.backend.incr(f"{PREFIX}{name}:{self._window(rate)}:{who}", rate.seconds)

    def _replay_key(self, replay: str) -> str:
        return f"{PREFIX}seen:{self.keys.key('replay', replay)}"

    def first_time(self, replay: str | None) -> bool:
        """False when this webhook (by its replay id) was already handled."""
        if replay is None:
            return True
        return self.backend.claim(self._replay_key(replay), "1", REPLAY_SECONDS) is None

    def call_allowed(self, caller: str | None, call: str | None) -> tuple[bool, bool | None]:
        """Whether to answer a call, decided once per call; callers who hide their number pass.

        Also whether this is the call's first greeting (True), a repeat (False), or unknown
        because nothing was decided (None), so the usage count needs no replay claim of its own.
        """
        rate = self.settings.call_limit
        if rate is None or not identifiable(caller):
            return True, None
        assert caller is not None
        decision_key = self._replay_key(f"call\x00{call}") if call else None
        if decision_key is not None:
            earlier = self.backend.claim(decision_key, PENDING, REPLAY_SECONDS)
            if earlier is not None:
                return earlier != "reject", False
        allowed = self._count("calls", rate, self.keys.number("calls", caller)) <= rate.count
        if decision_key is not None:
            self.backend.put(decision_key, "allow" if allowed else "reject", REPLAY_SECONDS)
        return allowed, None if decision_key is None else True

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

    def sms_verdict(
        self, sender: str | None, replay: str | None
    ) -> tuple[Verdict, Reason, bool | None]:
        """Whether to reply to a text, decided once per message.

        The third value says whether this is the message's first delivery (True), a replay
        (False), or unknown (None), as for `call_allowed`.
        """
        if not self.allowed_country(sender):
            return Verdict.SILENT, Reason.COUNTRY, None
        assert sender is not None
        decision_key = self._replay_key(f"sms\x00{replay}") if replay else None
        if decision_key is not None:
            earlier = self.backend.claim(decision_key, PENDING, REPLAY_SECONDS)
            if earlier is not None and earlier != PENDING:
                verdict, _, reason = earlier.partition(":")
                return Verdict(verdict), Reason(reason), False
            if earlier == PENDING:
                return Verdict.REPLY, Reason.NONE, False
        verdict, reason = self._sms_decision(sender)
        if decision_key is not None:
            self.backend.put(decision_key, f"{verdict}:{reason}", REPLAY_SECONDS)
        return verdict, reason, None if decision_key is None else True

    def _sms_decision(self, sender: str) -> tuple[Verdict, Reason]:
        rate = self.settings.sms_limit
        if rate is not None:
            # A WhatsApp sender is a sender of its own kind: its own keyed code and counter.
            kind = WHATSAPP if channel_of(sender) == WHATSAPP else SMS
            count = self._count(kind, rate, self.keys.number(kind, number_of(sender)))
            if count == rate.count + 1:
                return self._within_ceiling(Verdict.NOTICE, Reason.SENDER_LIMIT)
            if count > rate.count:
                return Verdict.SILENT, Reason.SENDER_LIMIT
        return self._within_ceiling(Verdict.REPLY, Reason.NONE)

    def _within_ceiling(self, verdict: Verdict, reason: Reason) -> tuple[Verdict, Reason]:
        """Count one reply against the whole line's ceiling; past it, stay silent."""
        rate = self.settings.sms_global_limit
        if rate is None:
            return verdict, reason
        total = self._count("sms-replies", rate, "all")
        if total == rate.count + 1:
            log.warning(
                "the line sent %d text replies this period, its ceiling "
                "(HOTLINE_SMS_GLOBAL_LIMIT); texts get no reply until the period ends. If this "
                "is real demand, raise the ceiling; if not, check Twilio's Messaging Insights "
                "for pumping",
                rate.count,
            )
        if total > rate.count:
            return Verdict.SILENT, Reason.GLOBAL_LIMIT
        return verdict, reason
