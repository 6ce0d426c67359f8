"""Wire privacy, abuse limits and usage figures into the app."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask

from hotline.config import Settings
from hotline.limits import AbuseSettings, Limits, MemoryBackend, make_backend
from hotline.metrics import Metrics
from hotline.privacy import CallerKeys, install_log_scrubber


def init_app(app: Flask, settings: Settings, env: Mapping[str, str]) -> None:
    """Scrub logs, and give the app its limits and counters over one shared store."""
    install_log_scrubber()
    abuse = AbuseSettings.from_env(env)
    backend = make_backend(abuse.redis_url)
    app.config["HOTLINE_ABUSE_SETTINGS"] = abuse
    keys = CallerKeys(settings.secret_key)
    app.config["HOTLINE_LIMITS"] = Limits(backend, keys, abuse)
    # The staff console's simulations: limits of their own, which count nothing in the usage
    # figures, so a training session can never use up the real line's limits.
    app.config["HOTLINE_SIMULATION_LIMITS"] = Limits(
        MemoryBackend(), keys, abuse, count_usage=False
    )
    app.config["HOTLINE_METRICS"] = Metrics(backend)

    from hotline.metrics.views import bp as metrics

    app.register_blueprint(metrics)
