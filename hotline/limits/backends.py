"""Where limits and usage counts live: this process's memory, or Redis shared by every instance.

Keys hold no caller data: per-caller keys are HMACs (hotline.privacy.CallerKeys), and values are
counts or an outcome's name. Every key expires at a fixed boundary (see step.py).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from typing import Protocol
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from hotline.blocking import Overdue, deadline
from hotline.limits.step import (
    NOTHING,
    Counter,
    Result,
    Step,
    as_repayment,
    as_script_arguments,
    choose,
)

log = logging.getLogger(__name__)

# Twilio waits 15 seconds for an answer; a slow Redis must cost a caller a fraction of that.
REDIS_TIMEOUT_SECONDS = 0.5
# A whole step, connecting again included (two tries at most, each bounded above), except the
# name lookup of Redis's host, which no socket timeout bounds: past this, in a gevent worker, the
# step is taken in memory as when Redis does not answer.
STEP_DEADLINE_SECONDS = 2.0
# While Redis is away, try it again at most this often, so callers do not each wait for it.
REDIS_RETRY_SECONDS = 5.0
SWEEP_SECONDS = 60.0
# Counters and steps kept in memory during an outage, to add to Redis when it returns, at most.
MAX_OWED_KEYS = 100_000
MAX_UNSURE_STEPS = 10_000
REPAY_BATCH = 500
# A repaid batch's marker outlives any retry of that batch.
REPAY_MARKER_SECONDS = 86_400


class Backend(Protocol):
    def run(self, step: Step) -> Result:
        """Take one webhook's step (see step.py) atomically."""
        ...

    def peek(self, key: str) -> int:
        """A counter's present value (0 when absent)."""
        ...

    def counters(self, prefix: str) -> dict[str, int]:
        """Every counter whose key starts with `prefix`."""
        ...


class MemoryBackend:
    """The embedded default: one process's memory, so each instance counts on its own."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        # The wall clock: expiries are boundaries in Unix time, the same as in Redis.
        self._clock = clock
        self._values: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + SWEEP_SECONDS

    def _live(self, key: str, now: float) -> str | None:
        item = self._values.get(key)
        if item is None or item[1] <= now:
            return None
        return item[0]

    def _sweep(self, now: float) -> None:
        # Expired keys would otherwise pile up: one per sender and window.
        if now >= self._next_sweep:
            self._values = {k: v for k, v in self._values.items() if v[1] > now}
            self._next_sweep = now + SWEEP_SECONDS

    def _add(self, counter: Counter, now: float) -> None:
        count = int(self._live(counter.key, now) or 0) + 1
        self._values[counter.key] = (str(count), counter.expires_at)

    def run(self, step: Step) -> Result:
        with self._lock:
            now = self._clock()
            self._sweep(now)
            if step.replay is not None:
                earlier = self._live(step.replay.key, now)
                if earlier is not None:
                    return Result(earlier, first=False)
            keys = {limit.counter.key for o in step.outcomes for limit in o.limits}
            outcome = choose(step, {key: int(self._live(key, now) or 0) for key in keys})
            if outcome is None:
                return Result(NOTHING)
            for counter in outcome.counters():
                self._add(counter, now)
            if step.replay is not None:
                self._values[step.replay.key] = (outcome.name, step.replay.expires_at)
            return Result(outcome.name, added=outcome.counters())

    def peek(self, key: str) -> int:
        with self._lock:
            value = self._live(key, self._clock())
        return int(value) if value is not None and value.isdigit() else 0

    def counters(self, prefix: str) -> dict[str, int]:
        with self._lock:
            now = self._clock()
            return {
                key: int(value)
                for key, (value, expires) in self._values.items()
                if key.startswith(prefix) and expires > now and value.isdigit()
            }


@dataclass(frozen=True)
class Batch:
    """Counts to add to Redis once: the marker makes sending the batch again harmless."""

    marker: str
    amounts: tuple[tuple[str, int, int], ...]  # key, amount, expires_at


def _script(name: str) -> str:
    return (files("hotline.limits") / name).read_text(encoding="utf-8")


class RedisBackend:
    """Redis shared by every instance, so limits and counts hold across the whole line."""

    def __init__(self, url: str) -> None:
        self.where = redis_location(url)
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            # No retries by redis-py: a command that timed out may have reached Redis, and sent
            # again it would count twice. Steps are retried here only when that is harmless.
            retry=Retry(NoBackoff(), 0),
            decode_responses=True,
        )
        self._step = self.client.register_script(_script("step.lua"))
        self._add = self.client.register_script(_script("add.lua"))

    def run(self, step: Step) -> Result:
        try:
            return self._run(step, self.client)
        except redis.ConnectionError:
            if step.replay is None:
                raise
            # A connection that went stale while Redis restarted. Sending the step again is
            # safe: had Redis taken it, the replay key gives back its outcome and adds nothing.
            return self._run(step, self.client)

    def _run(self, step: Step, client: redis.Redis) -> Result:
        keys, argv = as_script_arguments(step)
        outcome, first, added = self._step(keys=keys, args=argv, client=client)
        return _result(step, keys, outcome, first, added)

    def run_all(self, steps: list[Step]) -> None:
        """Take several steps in one round trip (adding back what was counted in memory)."""
        pipe = self.client.pipeline(transaction=False)
        for step in steps:
            keys, argv = as_script_arguments(step)
            self._step(keys=keys, args=argv, client=pipe)
        pipe.execute()

    def add(self, batch: Batch) -> None:
        keys = [batch.marker] + [key for key, _, _ in batch.amounts]
        args: list[int] = [int(time.time()) + REPAY_MARKER_SECONDS]
        for _, amount, expires_at in batch.amounts:
            args += [amount, expires_at]
        self._add(keys=keys, args=args)

    def peek(self, key: str) -> int:
        value = self.client.get(key)
        return int(value) if value is not None and str(value).isdigit() else 0

    def counters(self, prefix: str) -> dict[str, int]:
        keys = sorted(self.client.scan_iter(match=f"{prefix}*", count=1000))
        result: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for key, value in zip(chunk, self.client.mget(chunk), strict=True):
                if value is not None and str(value).isdigit():
                    result[key] = int(value)
        return result


def _result(step: Step, keys: list[str], outcome: str, first: int, added: list[int]) -> Result:
    by_key = {c.key: c for o in step.outcomes for c in o.counters()}
    return Result(str(outcome), bool(first), tuple(by_key[keys[i - 1]] for i in added))


def redis_location(url: str) -> str:
    """Host and port of a Redis URL, for log lines: never its password."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


class FallbackBackend:
    """Redis while it answers; this process's memory while it does not, with a warning.

    The line must keep answering if Redis goes away or stalls: limits then hold per instance, and
    Redis is tried again every few seconds until it returns. What was counted in memory meanwhile
    is added to Redis once it answers again, in a thread of its own, so the figures staff read
    cover the outage too (a news event is when Redis is likeliest to struggle, and when the
    figures matter most). A step sent to Redis without an answer may or may not have been taken
    there; it is added back under its own replay key, so it counts once either way.
    """

    def __init__(
        self,
        primary: RedisBackend,
        fallback: MemoryBackend | None = None,
        retry_seconds: float = REDIS_RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.fallback = fallback or MemoryBackend()
        self.retry_seconds = retry_seconds
        self._clock = clock
        self._down = False
        self._retry_at = 0.0
        self._lock = threading.Lock()
        # Counted in memory while Redis was known to be away: key -> (increments, expires_at).
        # Bounded, so a long outage under a flood cannot fill the memory.
        self._owed: dict[str, tuple[int, int]] = {}
        # Steps sent to Redis that got no answer, as taken in memory instead.
        self._unsure: list[Step] = []
        # Batches whose adding back failed, kept with their markers to send again.
        self._unpaid: list[Batch] = []

    @property
    def using_redis(self) -> bool:
        return not self._down

    def _away(self, error: Exception) -> None:
        with self._lock:
            first = not self._down
            self._down = True
            self._retry_at = self._clock() + self.retry_seconds
        if first:
            # Logged outside the lock: a log sink that blocks must not hold every counter.
            log.warning(
                "Redis at %s is not answering (%s); limits and counts are kept in this process's "
                "memory until it answers, then added to it",
                self.primary.where,
                type(error).__name__,
            )

    def _back(self) -> None:
        with self._lock:
            if not self._down:
                return
            self._down = False
            owed, self._owed = self._owed, {}
            unsure, self._unsure = self._unsure, []
            unpaid, self._unpaid = self._unpaid, []
        log.warning("Redis at %s answers again; limits are shared", self.primary.where)
        batches = unpaid + _batches(owed)
        if batches or unsure:
            self._start_repay(batches, unsure)

    def _start_repay(self, batches: list[Batch], unsure: list[Step]) -> None:
        threading.Thread(
            target=self._repay, args=(batches, unsure), name="hotline-redis-repay", daemon=True
        ).start()

    def _owe(self, added: tuple[Counter, ...]) -> None:
        """Remember increments made in memory (the lock is held)."""
        for counter in added:
            owed = self._owed.get(counter.key)
            if owed is not None:
                self._owed[counter.key] = (owed[0] + 1, counter.expires_at)
            elif len(self._owed) < MAX_OWED_KEYS:
                self._owed[counter.key] = (1, counter.expires_at)

    def run(self, step: Step) -> Result:
        if self._down and self._clock() < self._retry_at:
            result = self.fallback.run(step)
            with self._lock:
                self._owe(result.added)
                # Redis came back while this step was taken in memory: add it now, not at the
                # end of the next outage (or never, if the process ends first).
                late = _batches(self._owed) if not self._down else []
                if late:
                    self._owed = {}
            if late:
                self._start_repay(late, [])
            return result
        try:
            with deadline(STEP_DEADLINE_SECONDS):
                result = self.primary.run(step)
        except (redis.RedisError, Overdue) as error:
            self._away(error)
            result = self.fallback.run(step)
            with self._lock:
                if step.replay is not None and len(self._unsure) < MAX_UNSURE_STEPS:
                    self._unsure.append(as_repayment(step, result))
                else:
                    self._owe(result.added)
            return result
        if self._down:
            self._back()
        return result

    def _repay(self, batches: list[Batch], unsure: list[Step]) -> None:
        """Add to Redis what was counted in memory while it was away, a batch at a time."""
        done_batches = done_steps = 0
        try:
            for batch in batches:
                self.primary.add(batch)
                done_batches += 1
            for start in range(0, len(unsure), REPAY_BATCH):
                self.primary.run_all(unsure[start : start + REPAY_BATCH])
                done_steps = start + REPAY_BATCH
        except redis.RedisError as error:
            # What was added stays added; the rest is sent again next time, under the same
            # markers and replay keys, so a batch that did arrive is not added twice.
            with self._lock:
                self._unpaid = batches[done_batches:] + self._unpaid
                self._unsure = unsure[done_steps:] + self._unsure
            log.warning(
                "the counts made while Redis was away could not be added to it (%s); they are "
                "kept to add next time it answers",
                type(error).__name__,
            )
            return
        log.info(
            "Redis at %s: added %d counters and %d webhooks counted in memory while it was away",
            self.primary.where,
            sum(len(batch.amounts) for batch in batches),
            len(unsure),
        )

    def peek(self, key: str) -> int:
        if not self._down:
            try:
                return self.primary.peek(key)
            except redis.RedisError as error:
                self._away(error)
        return self.fallback.peek(key)

    def counters(self, prefix: str) -> dict[str, int]:
        if not self._down:
            try:
                return self.primary.counters(prefix)
            except redis.RedisError as error:
                self._away(error)
        return self.fallback.counters(prefix)


def _batches(owed: dict[str, tuple[int, int]]) -> list[Batch]:
    items = [(key, amount, expires_at) for key, (amount, expires_at) in owed.items()]
    return [
        Batch(f"hotline:repaid:{uuid.uuid4().hex}", tuple(items[start : start + REPAY_BATCH]))
        for start in range(0, len(items), REPAY_BATCH)
    ]


def make_backend(redis_url: str | None) -> MemoryBackend | FallbackBackend:
    """Redis (with a memory fallback) when a URL is set, else memory."""
    if redis_url is None:
        return MemoryBackend()
    return FallbackBackend(RedisBackend(redis_url))
