"""Every setting of the app, read from the environment in one pass when the app is created.

Each part keeps the parser of its own values (limits, content reloads, logs); this module calls
them all and reports every problem at once, so a deploy with three wrong settings fails once with
three fixes, not three times. README.md's settings table lists each name in VARIABLES (a test
checks that it does).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hotline.config import TRUE_WORDS, ConfigError, Problems, is_off
from hotline.content.reload import reload_interval
from hotline.content.snapshot import default_state_dir, state_dir
from hotline.limits.settings import AbuseSettings, optional
from hotline.logs import log_format
from hotline.strength import password_problem

REPO_ROOT = Path(__file__).resolve().parent.parent
# Anyone who learns the key can forge conversation cookies, so it must be long and random.
MIN_SECRET_KEY_LENGTH = 32
KEY_HINT = "such as the output of: python3 -c 'import secrets; print(secrets.token_hex(32))'"

# Every variable the app reads, and those gunicorn.conf.py reads for the same deploy.
VARIABLES = (
    "TWILIO_AUTH_TOKEN",
    "HOTLINE_SECRET_KEY",
    "HOTLINE_OLD_SECRET_KEYS",
    "HOTLINE_PUBLIC_URL",
    "HOTLINE_DEV",
    "HOTLINE_REDIS_URL",
    "HOTLINE_CALL_LIMIT",
    "HOTLINE_SMS_LIMIT",
    "HOTLINE_SMS_GLOBAL_LIMIT",
    "HOTLINE_SMS_NOTICE_LIMIT",
    "HOTLINE_SMS_COUNTRIES",
    "HOTLINE_WHATSAPP_COUNTRIES",
    "HOTLINE_METRICS_TOKEN",
    "HOTLINE_STAFF_PASSWORD",
    "HOTLINE_STAFF_CAN_SAVE",
    "HOTLINE_RELOAD_SECONDS",
    "HOTLINE_LOG_FORMAT",
    "HOTLINE_STATE_DIR",
    "HOTLINE_MENUS_DIR",
    "HOTLINE_MESSAGES_DIR",
    "HOTLINE_SOURCES_DIR",
)
SERVER_VARIABLES = ("PORT", "WEB_CONCURRENCY")


@dataclass(frozen=True)
class Settings:
    auth_token: str | None
    dev: bool
    public_url: str | None
    menus_dir: Path
    messages_dir: Path
    # The statement and other sources the messages cite; None: sources/ beside the menus folder.
    sources_dir: Path | None
    # Limits, the shared store and the metrics token.
    abuse: AbuseSettings
    # Signs new cookies; cookies signed with one of `old_secret_keys` are still accepted.
    secret_key: str
    old_secret_keys: tuple[str, ...] = ()
    # True when dev mode made up a key for this run: text conversations then end at a restart.
    secret_key_generated: bool = False
    # None leaves the staff console at /staff/ switched off.
    staff_password: str | None = None
    # The console may write drafts into the content folders (HOTLINE_STAFF_CAN_SAVE=1).
    staff_can_save: bool = False
    # Seconds between looks for edited content; None: never.
    reload_seconds: float | None = None
    log_format: str = "text"
    # Where the last good content is kept (hotline/content/snapshot.py).
    state_dir: Path = field(default_factory=default_state_dir)
    # HOTLINE_* variables that are set but mean nothing to this version (a typo, a retired one).
    unknown: tuple[str, ...] = ()

    @property
    def signing_keys(self) -> list[str]:
        """Every key a signed value may carry, as itsdangerous takes them: the last one signs."""
        return [*self.old_secret_keys, self.secret_key]

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """The settings in `env`, or a ConfigError that lists every problem found."""
        problems = Problems()
        dev = problems.check(parse_dev, env.get("HOTLINE_DEV", ""), fallback=False)
        token = env.get("TWILIO_AUTH_TOKEN", "").strip() or None
        if token is None and not dev:
            problems.add(
                "TWILIO_AUTH_TOKEN is not set. Set it to the Auth Token from the Twilio console "
                "so the hotline can check that requests come from Twilio, or set HOTLINE_DEV=1 "
                "(or run 'hotline serve --dev') to run without it on your own machine."
            )
        secret_key = problems.check(secret_key_of, env, dev, fallback="")
        old_keys = problems.check(
            old_secret_keys, env.get("HOTLINE_OLD_SECRET_KEYS", ""), fallback=()
        )
        public_url = problems.check(
            parse_public_url, env.get("HOTLINE_PUBLIC_URL", ""), fallback=None
        )
        staff_password = problems.check(
            parse_staff_password, env.get("HOTLINE_STAFF_PASSWORD", ""), fallback=None
        )
        can_save = problems.check(
            parse_staff_can_save, env.get("HOTLINE_STAFF_CAN_SAVE", ""), fallback=False
        )
        abuse = problems.check(AbuseSettings.from_env, env, fallback=None)
        reload_seconds = problems.check(reload_interval, env, fallback=None)
        kind = problems.check(log_format, env, fallback="text")
        problems.raise_any()
        assert abuse is not None  # else a problem was raised
        menus_dir, messages_dir = content_dirs(env)
        return cls(
            auth_token=token,
            dev=dev,
            public_url=public_url,
            menus_dir=menus_dir,
            messages_dir=messages_dir,
            sources_dir=sources_dir_of(env),
            secret_key=secret_key or secrets.token_hex(32),
            old_secret_keys=old_keys,
            secret_key_generated=not secret_key,
            staff_password=staff_password,
            staff_can_save=can_save,
            abuse=abuse,
            reload_seconds=reload_seconds,
            log_format=kind,
            state_dir=state_dir(env),
            unknown=unknown_variables(env),
        )


def unknown_variables(env: Mapping[str, str]) -> tuple[str, ...]:
    known = {*VARIABLES, *SERVER_VARIABLES}
    return tuple(sorted(name for name in env if name.startswith("HOTLINE_") and name not in known))


def switch(name: str, on: str, off: str) -> Callable[[str], bool]:
    """A parser for a yes-or-no setting: 1/true/yes/on, or unset/0/off; anything else a problem."""

    def parse(text: str) -> bool:
        raw = text.strip().lower()
        if not raw or is_off(raw) or raw == "0":
            return False
        if raw in TRUE_WORDS:
            return True
        raise ConfigError(f"{name} is '{text}'; set it to 1 {on}, or leave it unset {off}")

    return parse


parse_staff_can_save = switch(
    "HOTLINE_STAFF_CAN_SAVE",
    "to let the staff console save drafts into the content folders",
    "(the console then offers downloads only)",
)
parse_dev = switch(
    "HOTLINE_DEV",
    "to run without Twilio's auth token on your own machine",
    "(or 'off') for a real line",
)


def parse_public_url(text: str) -> str | None:
    url = optional(text)
    if url is None:
        return None
    url = url.rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise ConfigError(
            f"HOTLINE_PUBLIC_URL is '{url}'; it must be the full address Twilio calls, such as "
            "https://hotline.example.org"
        )
    return url


def secret_key_of(env: Mapping[str, str], dev: bool) -> str:
    """HOTLINE_SECRET_KEY ('' in dev mode without one: a key is then made up for this run)."""
    key = env.get("HOTLINE_SECRET_KEY", "").strip()
    if not key:
        if dev:
            return ""
        raise ConfigError(
            "HOTLINE_SECRET_KEY is not set. Set it to a long random text, the same on every "
            f"instance, {KEY_HINT}. It signs the cookies that keep a text conversation's "
            "language and menu. Or set HOTLINE_DEV=1 on your own machine."
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"HOTLINE_SECRET_KEY has {len(key)} characters; use at least "
            f"{MIN_SECRET_KEY_LENGTH}, {KEY_HINT}"
        )
    return key


def old_secret_keys(text: str) -> tuple[str, ...]:
    """HOTLINE_OLD_SECRET_KEYS: earlier keys, comma-separated, whose cookies are still read."""
    if is_off(text):
        return ()
    keys = tuple(key.strip() for key in text.split(",") if key.strip())
    short = [len(key) for key in keys if len(key) < MIN_SECRET_KEY_LENGTH]
    if short:
        raise ConfigError(
            f"HOTLINE_OLD_SECRET_KEYS has a key of {short[0]} characters; every key has at least "
            f"{MIN_SECRET_KEY_LENGTH} (list earlier values of HOTLINE_SECRET_KEY, separated by "
            "commas, or leave it unset)"
        )
    return keys


def parse_staff_password(text: str) -> str | None:
    password = optional(text)
    weak = password and password_problem("HOTLINE_STAFF_PASSWORD", password)
    if weak:
        raise ConfigError(f"{weak}; or leave it unset (or 'off') to switch the staff console off")
    return password


def content_dirs(env: Mapping[str, str]) -> tuple[Path, Path]:
    """The menus and messages folders: HOTLINE_MENUS_DIR and HOTLINE_MESSAGES_DIR, or ours."""
    return (
        Path(env.get("HOTLINE_MENUS_DIR") or REPO_ROOT / "menus"),
        Path(env.get("HOTLINE_MESSAGES_DIR") or REPO_ROOT / "messages"),
    )


def sources_dir_of(env: Mapping[str, str]) -> Path | None:
    """HOTLINE_SOURCES_DIR, else None: the sources/ folder beside the menus folder."""
    folder = env.get("HOTLINE_SOURCES_DIR")
    return Path(folder) if folder else None


def environment(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment with test or CLI overrides on top."""
    return {**os.environ, **(overrides or {})}
