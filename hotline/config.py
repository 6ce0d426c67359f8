"""Settings from the environment, checked once when the app is created."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hotline.strength import password_problem

REPO_ROOT = Path(__file__).resolve().parent.parent
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
# Anyone who learns the key can forge conversation cookies, so it must be long and random.
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    auth_token: str | None
    dev: bool
    public_url: str | None
    menus_dir: Path
    messages_dir: Path
    secret_key: str
    # The statement and other sources the messages cite; None: sources/ beside the menus folder.
    sources_dir: Path | None = None
    # True when dev mode made up a key for this run: text conversations then end at a restart.
    secret_key_generated: bool = False
    # None leaves the staff console at /staff/ switched off.
    staff_password: str | None = None
    # The console may write drafts into the content folders (HOTLINE_STAFF_CAN_SAVE=1).
    staff_can_save: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        dev = env.get("HOTLINE_DEV", "").strip().lower() in TRUE_WORDS
        token = env.get("TWILIO_AUTH_TOKEN", "").strip() or None
        if token is None and not dev:
            raise ConfigError(
                "TWILIO_AUTH_TOKEN is not set. Set it to the Auth Token from the Twilio console "
                "so the hotline can check that requests come from Twilio, or set HOTLINE_DEV=1 "
                "(or run 'hotline serve --dev') to run without it on your own machine."
            )
        public_url = env.get("HOTLINE_PUBLIC_URL", "").strip().rstrip("/") or None
        if public_url and not public_url.startswith(("https://", "http://")):
            raise ConfigError(
                f"HOTLINE_PUBLIC_URL is '{public_url}'; it must be the full address Twilio "
                "calls, such as https://hotline.example.org"
            )
        secret_key = env.get("HOTLINE_SECRET_KEY", "").strip()
        generated = not secret_key and dev
        if generated:
            secret_key = secrets.token_hex(32)
        elif not secret_key:
            raise ConfigError(
                "HOTLINE_SECRET_KEY is not set. Set it to a long random text, the same on every "
                "instance, such as the output of: python -c 'import secrets; "
                "print(secrets.token_hex(32))'. It signs the cookies that keep a text "
                "conversation's language and menu. Or set HOTLINE_DEV=1 on your own machine."
            )
        elif len(secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"HOTLINE_SECRET_KEY has {len(secret_key)} characters; use at least "
                f"{MIN_SECRET_KEY_LENGTH}, such as the output of: python -c 'import secrets; "
                "print(secrets.token_hex(32))'"
            )
        staff_password = env.get("HOTLINE_STAFF_PASSWORD", "").strip() or None
        weak = staff_password and password_problem("HOTLINE_STAFF_PASSWORD", staff_password)
        if weak:
            raise ConfigError(f"{weak}; or leave it unset to switch the staff console off")
        return cls(
            auth_token=token,
            dev=dev,
            public_url=public_url,
            menus_dir=Path(env.get("HOTLINE_MENUS_DIR") or REPO_ROOT / "menus"),
            messages_dir=Path(env.get("HOTLINE_MESSAGES_DIR") or REPO_ROOT / "messages"),
            secret_key=secret_key,
            sources_dir=Path(sources) if (sources := env.get("HOTLINE_SOURCES_DIR")) else None,
            secret_key_generated=generated,
            staff_password=staff_password,
            staff_can_save=env.get("HOTLINE_STAFF_CAN_SAVE", "").strip().lower() in TRUE_WORDS,
        )


def environment(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment with test or CLI overrides on top."""
    return {**os.environ, **(overrides or {})}
