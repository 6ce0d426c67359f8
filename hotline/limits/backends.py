"""Counters and short-lived values that expire: in this process's memory, or in shared Redis.

Keys hold no caller data: per-caller keys are HMACs (hotline.privacy.CallerKeys), and values are
counts or a decision word. Every key expires.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger(__name__)
T = TypeVar("T")

# Twilio waits 15 seconds for an answer; a slow Redis must cost a caller a fraction of that.
REDIS_TIMEOUT_SECONDS = 0.5
# While Redis is away, try it again at most this often, so callers do not each wait for it.
REDIS_RETRY_SECONDS = 5.0
SWEEP_SECONDS = 60.0
# Counters kept in memory during an outage that are added to Redis when it returns, at most.
MAX_OWED_KEYS = 100_000
REPAY_BATCH = 500


class Backend(Protocol):
    def incr(self, key: str, ttl: int) -> int:
        """Add one to a counter that expires `ttl` seconds after its last change."""
        ...

    def claim(self, key: str, value: str, ttl: int) -> str | None:
        """Set `key` if it is absent and return None, or return the value already there."""
        ...

    def put(self, key: str, value: str, ttl: int) -> None:
        """Set `key` to `value` for `ttl` seconds."""
        ...

    def counters(self, prefix: str) -> dict[str, int]:
        """Every counter whose key starts with `prefix`."""
        ...


class MemoryBackend:
    """The embedded default: one process's memory, so each instance counts on its own."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
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

    def incr(self, key: str, ttl: int) -> int:
        with self._lock:
            now = self._clock()
            self._sweep(now)
            count = int(self._live(key, now) or 0) + 1
            self._values[key] = (str(count), now + ttl)
            return count

    def claim(self, key: str, value: str, ttl: int) -> str | None:
        with self._lock:
            now = self._clock()
            self._sweep(now)
            existing = self._live(key, now)
            if existing is None:
                self._values[key] = (value, now + ttl)
            return existing

    def put(self, key: str, value: str, ttl: int) -> None:
        with self._lock:
            self._values[key] = (value, self._clock() + ttl)

    def counters(self, prefix: str) -> dict[str, int]:
        with self._lock:
            now = self._clock()
            return {
                key: int(value)
                for key, (value, expires) in self._values.items()
                if key.startswith(prefix) and expires > now and value.isdigit()
            }


class RedisBackend:
    """Redis shared by every instance, so limits and counts hold across the whole line."""

    def __init__(self, url: str) -> None:
        self.where = redis_location(url)
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            # One quick retry replaces a connection that went stale while Redis restarted.
            retry=Retry(NoBackoff(), 1),
            decode_responses=True,
        )

    def incr(self, key: str, ttl: int) -> int:
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, ttl)
        count, _ = pipe.execute()
        return int(count)

    def add(self, increments: dict[str, tuple[int, int]]) -> None:
        """Add to several counters in one round trip: key -> (amount, ttl)."""
        pipe = self.client.pipeline(transaction=False)
        for key, (amount, ttl) in increments.items():
            pipe.incrby(key, amount)
            pipe.expire(key, ttl)
        pipe.execute()

    def claim(self, key: str, value: str, ttl: int) -> str | None:
        if self.client.set(key, value, nx=True, ex=ttl):
            return None
        existing = self.client.get(key)
        # Expired between the two commands: treat it as just claimed.
        return None if existing is None else str(existing)

    def put(self, key: str, value: str, ttl: int) -> None:
        self.client.set(key, value, ex=ttl)

    def counters(self, prefix: str) -> dict[str, int]:
        keys = sorted(self.client.scan_iter(match=f"{prefix}*", count=1000))
        result: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for key, value in zip(chunk, self.client.mget(chunk), strict=True):
                if value is not None and str(value).isdigit():
                    result[key] = int(value)
        return result


def redis_location(url: str) -> str:
    """Host and port of a Redis URL, for log lines: never its password."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


class FallbackBackend:
    """Redis while it answers; this process's memory while it does not, with a warning.

    The line must keep answering if Redis goes away: limits then hold per instance, and Redis is
    tried again every few seconds until it returns. What was counted in memory meanwhile (usage
    counts, limit windows) is added to Redis once it answers again, in a thread of its own, so
    the figures staff read cover the outage too (a news event is when Redis is likeliest to
    struggle, and when the figures matter most).
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
        # Counted in memory while Redis was away, to add to Redis when it returns: key ->
        # (increments, ttl). Bounded, so a long outage under a flood cannot fill the memory.
        self._owed: dict[str, tuple[int, int]] = {}

    @property
    def using_redis(self) -> bool:
        return not self._down

    def _use(self, on_redis: Callable[[RedisBackend], T], in_memory: Callable[[], T]) -> T:
        if self._down and self._clock() < self._retry_at:
            return in_memory()
        try:
            result = on_redis(self.primary)
        except redis.RedisError as error:
            with self._lock:
                if not self._down:
                    log.warning(
                        "Redis at %s is not answering (%s); limits and counts are kept in this "
                        "process's memory until it returns",
                        self.primary.where,
                        type(error).__name__,
                    )
                self._down = True
                self._retry_at = self._clock() + self.retry_seconds
            return in_memory()
        if self._down:
            with self._lock:
                owed: dict[str, tuple[int, int]] = {}
                if self._down:
                    log.warning("Redis at %s answers again; limits are shared", self.primary.where)
                    owed, self._owed = self._owed, {}
                self._down = False
            if owed:
                threading.Thread(
                    target=self._repay, args=(owed,), name="hotline-redis-repay", daemon=True
                ).start()
        return result

    def _incr_in_memory(self, key: str, ttl: int) -> int:
        count = self.fallback.incr(key, ttl)
        with self._lock:
            self._owe(key, 1, ttl)
        return count

    def _owe(self, key: str, increments: int, ttl: int) -> None:
        """Remember increments made in memory (the lock is held)."""
        owed = self._owed.get(key)
        if owed is not None:
            self._owed[key] = (owed[0] + increments, ttl)
        elif len(self._owed) < MAX_OWED_KEYS:
            self._owed[key] = (increments, ttl)

    def _repay(self, owed: dict[str, tuple[int, int]]) -> None:
        """Add to Redis what was counted in memory while it was away, a batch at a time."""
        items = list(owed.items())
        start = 0
        try:
            for start in range(0, len(items), REPAY_BATCH):
                self.primary.add(dict(items[start : start + REPAY_BATCH]))
        except redis.RedisError as error:
            # Batches already added stay added; only the rest is kept for next time.
            with self._lock:
                for key, (increments, ttl) in items[start:]:
                    self._owe(key, increments, ttl)
            log.warning(
                "the counts made while Redis was away could not be added to it (%s); they are "
                "kept to add next time it answers",
                type(error).__name__,
            )
            return
        log.info(
            "Redis at %s: added %d counters kept in memory while it was away",
            self.primary.where,
            len(owed),
        )

    def incr(self, key: str, ttl: int) -> int:
        return self._use(lambda r: r.incr(key, ttl), lambda: self._incr_in_memory(key, ttl))

    def claim(self, key: str, value: str, ttl: int) -> str | None:
        return self._use(
            lambda r: r.claim(key, value, ttl), lambda: self.fallback.claim(key, value, ttl)
        )

    def put(self, key: str, value: str, ttl: int) -> None:
        self._use(lambda r: r.put(key, value, ttl), lambda: self.fallback.put(key, value, ttl))

    def counters(self, prefix: str) -> dict[str, int]:
        return self._use(lambda r: r.counters(prefix), lambda: self.fallback.counters(prefix))


def make_backend(redis_url: str | None) -> MemoryBackend | FallbackBackend:
    """Redis (with a memory fallback) when a URL is set, else memory."""
    if redis_url is None:
        return MemoryBackend()
    return FallbackBackend(RedisBackend(redis_url))
