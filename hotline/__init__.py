"""Northampton's information hotline by phone and text message."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask, jsonify

from hotline.config import Settings, environment
from hotline.content.store import ContentStore
from hotline.sms.session import configure_sessions

log = logging.getLogger(__name__)


def create_app(overrides: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment (plus `overrides`, for tests and the CLI).

    Fails with ConfigError when a required setting is missing, and with ContentError listing
    every problem when the menus or messages have errors.
    """
    settings = Settings.from_env(environment(overrides))
    store = ContentStore.load(settings.menus_dir, settings.messages_dir)

    app = Flask(__name__)
    app.config["HOTLINE_SETTINGS"] = settings
    app.config["HOTLINE_STORE"] = store
    configure_sessions(app, settings)
    if settings.secret_key_generated:
        log.warning(
            "DEV MODE: HOTLINE_SECRET_KEY is not set, so a random one was made for this run; "
            "text conversations restart when the server does."
        )
    if settings.auth_token is None:
        log.warning(
            "DEV MODE: TWILIO_AUTH_TOKEN is not set, so requests are NOT checked for Twilio's "
            "signature. Never run a public line like this."
        )

    from hotline.sms.views import bp as sms
    from hotline.voice.views import bp as voice

    app.register_blueprint(voice)
    app.register_blueprint(sms)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        return jsonify(status="ok", content_version=store.content.version)

    return app
