"""Counts per day, channel, language and menu item, in the same store as the limits.

Nothing else is counted: no caller, no time of day, no sequence of steps. Every count of a day
expires at the same moment (the end of that day, plus the retention), so not even a key's expiry
tells when it was last added to.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hotline.limits.backends import Backend
from hotline.limits.step import Counter, Outcome, Step

PREFIX = "hotline:usage:"
# Days are the city's days, so staff read a day's figures as they lived it.
ZONE = ZoneInfo("America/New_York")
RETENTION_DAYS = 90
CHANNELS = ("voice", "sms", "whatsapp")
# Labels are content ids and fixed words; anything else is not counted (and cannot inject text).
LABEL = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True, order=True)
class Count:
    day: str
    channel: str
    language: str
    item: str
    value: int


class Metrics:
    """Adds to and reads the usage counts."""

    def __init__(self, backend: Backend, clock: Callable[[], float] = time.time) -> None:
        self.backend = backend
        self._clock = clock
        # (start, end, ISO date, counts' expiry) of the day last counted in.
        self._today: tuple[float, float, str, int] | None = None

    def today(self) -> str:
        return dt.datetime.fromtimestamp(self._clock(), ZONE).date().isoformat()

    def counter(self, channel: str, language: str, item: str) -> Counter:
        """Today's counter for an item, to add to in a webhook's step; labels must be plain ids."""
        if channel not in CHANNELS or not (LABEL.match(language) and LABEL.match(item)):
            raise ValueError(f"not a usage label: {channel!r}, {language!r}, {item!r}")
        day, kept_until = self._day()
        return Counter(f"{PREFIX}{day}:{channel}:{language}:{item}", kept_until)

    def _day(self) -> tuple[str, int]:
        """Today in the city, and when its counts expire; worked out once a day, not per count
        (time zone arithmetic is most of a counter's cost, and a text makes several)."""
        now = self._clock()
        known = self._today
        if known is not None and known[0] <= now < known[1]:
            return known[2], known[3]
        today = dt.datetime.fromtimestamp(now, ZONE).date()
        starts = dt.datetime.combine(today, dt.time(), ZONE).timestamp()
        ends = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), ZONE).timestamp()
        self._today = (starts, ends, today.isoformat(), _kept_until(today))
        return self._today[2], self._today[3]

    def count(self, channel: str, language: str, item: str) -> None:
        """Add one to today's count for an item, outside any webhook (no replay to guard)."""
        counted = Outcome("counted", counts=(self.counter(channel, language, item),))
        self.backend.run(Step(None, (counted,)))

    @property
    def partial(self) -> bool:
        """True while the shared store is away and the counts are this process's alone."""
        return getattr(self.backend, "using_redis", True) is False

    def counts(self) -> list[Count]:
        """Every count kept, oldest day first."""
        result = []
        for key, value in self.backend.counters(PREFIX).items():
            parts = key[len(PREFIX) :].split(":")
            if len(parts) == 4:
                result.append(Count(*parts, value=value))
        return sorted(result)


def _kept_until(day: dt.date) -> int:
    """The end of the city's day, plus the retention: the same for every count of that day."""
    last = day + dt.timedelta(days=RETENTION_DAYS + 1)
    return int(dt.datetime.combine(last, dt.time(), ZONE).timestamp())
