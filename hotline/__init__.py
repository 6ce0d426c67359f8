"""Northampton's information hotline by phone and text message."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask, jsonify

from hotline import abuse, budget, logs, webhooks
from hotline.config import Settings, environment
from hotline.content.reload import Reloader, reload_interval
from hotline.content.store import ContentStore

log = logging.getLogger(__name__)


def create_app(overrides: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment (plus `overrides`, for tests and the CLI).

    Fails with ConfigError when a required setting is missing, and with ContentError listing
    every problem when the menus or messages have errors.
    """
    env = environment(overrides)
    logs.configure(env)
    settings = Settings.from_env(env)
    reload_seconds = reload_interval(env)
    store = ContentStore.load(settings.menus_dir, settings.messages_dir)

    app = Flask(__name__)
    app.config["HOTLINE_SETTINGS"] = settings
    app.config["HOTLINE_STORE"] = store
    # Signs the staff console's phone state; the texts' cookie has a key of its own.
    app.secret_key = settings.secret_key
    abuse.init_app(app, settings, env)
    if settings.auth_token is None or settings.secret_key_generated:
        log.warning(_dev_warning(settings))

    if settings.staff_password is not None:
        from hotline.staff.views import bp as staff

        app.register_blueprint(staff)
    if settings.dev:
        from hotline.staff.home import bp as home

        app.register_blueprint(home)

    reloader = None if reload_seconds is None else Reloader(store, reload_seconds)
    if reloader is not None:
        app.before_request(reloader.maybe_reload)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        rejected = store.rejected
        return jsonify(
            status="ok",
            content_version=store.content.version,
            rejected_edit=None
            if rejected is None
            else {
                "version": rejected.version,
                "errors": rejected.errors,
                "warnings": rejected.warnings,
                "at": rejected.at.isoformat(timespec="seconds"),
            },
        )

    webhooks.install(app, before=None if reloader is None else reloader.maybe_reload)
    budget.install(app, env)
    return app


def _dev_warning(settings: Settings) -> str:
    """One warning for everything dev mode leaves out."""
    missing = []
    if settings.auth_token is None:
        missing.append(
            "TWILIO_AUTH_TOKEN is not set, so requests are NOT checked for Twilio's signature"
        )
    if settings.secret_key_generated:
        missing.append(
            "HOTLINE_SECRET_KEY is not set, so a random one was made for this run (text "
            "conversations restart with the server)"
        )
    return "DEV MODE: " + "; ".join(missing) + ". Never run a public line like this."
