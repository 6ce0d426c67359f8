"""Abuse limits, the shared store and the metrics token, read from the environment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from hotline.config import OFF_WORDS, ConfigError, Problems, is_off
from hotline.strength import token_problem

PERIODS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+?)s?\s*$")
_COUNTRY = re.compile(r"^\+[1-9][0-9]{0,3}$")

DEFAULT_CALL_LIMIT = "10/hour"
# A resident reading the whole tree by text sends 30-40 messages; pumping is stopped by the
# country check and the global ceiling, so the per-sender limit only needs to stop a flood.
DEFAULT_SMS_LIMIT = "60/hour"
# A busy day's texts with room to spare; past it, a pumping attack stops costing the city money.
DEFAULT_SMS_GLOBAL_LIMIT = "1000/hour"
DEFAULT_SMS_COUNTRIES = "+1"
# Past the ceiling, a sender's first text of the hour still gets one short notice with 911 and
# the office's number (one segment), from an allowance of its own: silencing that takes as many
# numbers as the allowance, not the seventeen that use up the ceiling.
DEFAULT_SMS_NOTICE_LIMIT = "300/hour"
# WhatsApp replies may go abroad: a relative in Brazil may ask for a family member here, and
# pumping earns nothing there (no premium numbers; replies inside the 24-hour customer service
# window carry no Meta fee). The per-sender limit and the global ceiling still bound the cost.
DEFAULT_WHATSAPP_COUNTRIES = "any"
# Words for "every country" in HOTLINE_WHATSAPP_COUNTRIES.
ANY_WORDS = frozenset({"any", "all", "*"})


@dataclass(frozen=True)
class Rate:
    """At most `count` events per `seconds`, counted in fixed windows."""

    count: int
    seconds: int


def parse_rate(name: str, text: str) -> Rate | None:
    """A setting such as '60/hour'; None when it is 'off'."""
    if text.strip().lower() in OFF_WORDS:
        return None
    match = _RATE.match(text.lower())
    if match is None or match.group(2) not in PERIODS or int(match.group(1)) < 1:
        raise ConfigError(
            f"{name} is '{text}'; write it as a number per period, such as {name_example(name)} "
            f"(periods: {', '.join(PERIODS)}), or 'off' to switch the limit off"
        )
    return Rate(int(match.group(1)), PERIODS[match.group(2)])


def name_example(name: str) -> str:
    return {
        "HOTLINE_CALL_LIMIT": DEFAULT_CALL_LIMIT,
        "HOTLINE_SMS_LIMIT": DEFAULT_SMS_LIMIT,
        "HOTLINE_SMS_GLOBAL_LIMIT": DEFAULT_SMS_GLOBAL_LIMIT,
        "HOTLINE_SMS_NOTICE_LIMIT": DEFAULT_SMS_NOTICE_LIMIT,
    }.get(name, "20/hour")


def parse_countries(text: str, name: str = "HOTLINE_SMS_COUNTRIES") -> tuple[str, ...]:
    """Calling codes such as '+1' or '+1,+52'."""
    codes = tuple(part.strip() for part in text.split(",") if part.strip())
    wrong = [code for code in codes if not _COUNTRY.match(code)]
    if wrong or not codes:
        anywhere = ", or 'any' for every country" if name == "HOTLINE_WHATSAPP_COUNTRIES" else ""
        raise ConfigError(
            f"{name} is '{text}'; list the calling codes the line may reply to, "
            f"each starting with '+', separated by commas, such as +1 or +1,+52{anywhere}"
        )
    return codes


def parse_whatsapp_countries(text: str) -> tuple[str, ...] | None:
    """HOTLINE_WHATSAPP_COUNTRIES: calling codes, or None for 'any' country."""
    if text.strip().lower() in ANY_WORDS:
        return None
    return parse_countries(text, "HOTLINE_WHATSAPP_COUNTRIES")


def parse_token(name: str, text: str) -> str | None:
    """A bearer token, None when unset or 'off'; as long and random as the secret key must be."""
    token = optional(text)
    if token is None:
        return None
    problem = token_problem(name, token)
    if problem:
        raise ConfigError(f"{problem}; or leave it unset to turn /metrics off")
    return token


@dataclass(frozen=True)
class AbuseSettings:
    redis_url: str | None
    call_limit: Rate | None
    sms_limit: Rate | None
    sms_global_limit: Rate | None
    sms_notice_limit: Rate | None
    sms_countries: tuple[str, ...]
    # None hides /metrics altogether.
    metrics_token: str | None
    # None replies to WhatsApp senders in every country.
    whatsapp_countries: tuple[str, ...] | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AbuseSettings:
        """These settings from the environment; every problem at once, in one ConfigError."""

        def setting(name: str, default: str) -> str:
            return env.get(name, "").strip() or default

        problems = Problems()

        def rate(name: str, default: str) -> Rate | None:
            return problems.check(parse_rate, name, setting(name, default), fallback=None)

        settings = cls(
            redis_url=problems.check(
                parse_redis_url, env.get("HOTLINE_REDIS_URL", ""), fallback=None
            ),
            call_limit=rate("HOTLINE_CALL_LIMIT", DEFAULT_CALL_LIMIT),
            sms_limit=rate("HOTLINE_SMS_LIMIT", DEFAULT_SMS_LIMIT),
            sms_global_limit=rate("HOTLINE_SMS_GLOBAL_LIMIT", DEFAULT_SMS_GLOBAL_LIMIT),
            sms_countries=problems.check(
                parse_countries,
                setting("HOTLINE_SMS_COUNTRIES", DEFAULT_SMS_COUNTRIES),
                fallback=(),
            ),
            sms_notice_limit=rate("HOTLINE_SMS_NOTICE_LIMIT", DEFAULT_SMS_NOTICE_LIMIT),
            metrics_token=problems.check(
                parse_token,
                "HOTLINE_METRICS_TOKEN",
                env.get("HOTLINE_METRICS_TOKEN", ""),
                fallback=None,
            ),
            whatsapp_countries=problems.check(
                parse_whatsapp_countries,
                setting("HOTLINE_WHATSAPP_COUNTRIES", DEFAULT_WHATSAPP_COUNTRIES),
                fallback=None,
            ),
        )
        problems.raise_any()
        return settings


def optional(text: str) -> str | None:
    """A value that may be left unset or set to 'off' (None either way)."""
    text = text.strip()
    return None if not text or is_off(text) else text


def parse_redis_url(text: str) -> str | None:
    """HOTLINE_REDIS_URL: None (unset or 'off') keeps limits and counts in memory."""
    url = optional(text)
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(
            "HOTLINE_REDIS_URL must start with redis://, rediss:// or unix://, such as "
            "redis://localhost:6379/0 (your host gives the address of its Redis service), "
            "or be 'off' to keep limits and counts in each process's memory"
        )
    return url
