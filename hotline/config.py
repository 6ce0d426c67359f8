"""Settings from the environment, checked once when the app is created."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    auth_token: str | None
    dev: bool
    public_url: str | None
    menus_dir: Path
    messages_dir: Path
    secret_key: str | None

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
        return cls(
            auth_token=token,
            dev=dev,
            public_url=public_url,
            menus_dir=Path(env.get("HOTLINE_MENUS_DIR") or REPO_ROOT / "menus"),
            messages_dir=Path(env.get("HOTLINE_MESSAGES_DIR") or REPO_ROOT / "messages"),
            secret_key=env.get("HOTLINE_SECRET_KEY", "").strip() or None,
        )


def environment(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The process environment with test or CLI overrides on top."""
    return {**os.environ, **(overrides or {})}
