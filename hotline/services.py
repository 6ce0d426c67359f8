"""What the webhooks, the console and the CLI share in one app: kept in app.extensions["hotline"].

Settings are values; these are the objects built from them once, when the app is created. Tests
that need a part with its own clock swap it with `swap`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from twilio.request_validator import RequestValidator

from hotline.content.store import ContentStore
from hotline.limits import Limits
from hotline.metrics import Metrics
from hotline.settings import Settings
from hotline.sms.session import ConversationCookies

EXTENSION = "hotline"


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: ContentStore
    limits: Limits
    metrics: Metrics
    cookies: ConversationCookies
    # None in dev mode without an auth token: requests are then not checked.
    validator: RequestValidator | None


def install(app: Flask, services: Services) -> None:
    app.extensions[EXTENSION] = services


def swap(app: Flask, **parts: Any) -> None:
    """Replace some of an app's services (a limits store with a test's clock, say)."""
    install(app, dataclasses.replace(services_of(app), **parts))


def services_of(app: Flask) -> Services:
    return app.extensions[EXTENSION]


def current() -> Services:
    """The services of the app handling the current request."""
    return current_app.extensions[EXTENSION]
