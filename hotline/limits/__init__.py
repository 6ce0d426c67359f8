"""Abuse limits: per caller, per texter, for the whole line, and against replayed webhooks."""

from hotline.limits.backends import (
    Backend,
    FallbackBackend,
    MemoryBackend,
    RedisBackend,
    make_backend,
)
from hotline.limits.guard import Limits, Reason, Verdict
from hotline.limits.settings import AbuseSettings, Rate

__all__ = [
    "AbuseSettings",
    "Backend",
    "FallbackBackend",
    "Limits",
    "MemoryBackend",
    "Rate",
    "Reason",
    "RedisBackend",
    "Verdict",
    "make_backend",
]
