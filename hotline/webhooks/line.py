"""What the webhooks work with: the settings, content, limits and counters of one app.

Read from the Flask app's config on every use, so the staff console, the CLI and tests that swap
a part (a limits store with its own clock, say) see the same objects the webhooks use.
"""

from __future__ import annotations

from typing import Any

from twilio.request_validator import RequestValidator

from hotline.config import Settings
from hotline.content.store import ContentStore
from hotline.limits import Limits
from hotline.metrics import Metrics
from hotline.sms.session import ConversationCookies


class Line:
    __slots__ = ("config", "cookies", "validator")

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        settings: Settings = config["HOTLINE_SETTINGS"]
        # Built once: a validator and a cookie signer each key their HMAC when they are made.
        token = settings.auth_token
        self.validator = None if token is None else RequestValidator(token)
        self.cookies = ConversationCookies(settings.secret_key, secure=not settings.dev)

    @property
    def settings(self) -> Settings:
        return self.config["HOTLINE_SETTINGS"]

    @property
    def store(self) -> ContentStore:
        return self.config["HOTLINE_STORE"]

    @property
    def limits(self) -> Limits:
        return self.config["HOTLINE_LIMITS"]

    @property
    def metrics(self) -> Metrics:
        return self.config["HOTLINE_METRICS"]
