"""Wire privacy, abuse limits and usage figures into the app."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from hotline.config import Settings
from hotline.limits import AbuseSettings, Limits, make_backend
from hotline.metrics import Metrics
from hotline.privacy import CallerKeys, install_log_scrubber


def init_app(app: Flask, settings: Settings, env: Mapping[str, str]) -> None:
    """Scrub logs, and give the app its limits and counters over one shared store."""
    install_log_scrubber()
    abuse = AbuseSettings.from_env(env)
    backend = make_backend(abuse.redis_url)
    app.config["HOTLINE_ABUSE_SETTINGS"] = abuse
    app.config["HOTLINE_LIMITS"] = Limits(backend, CallerKeys(settings.secret_key), abuse)
    app.config["HOTLINE_METRICS"] = Metrics(backend)

    from hotline.metrics.views import bp as metrics

    app.register_blueprint(metrics)
