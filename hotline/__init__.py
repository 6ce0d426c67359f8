"""Northampton's information hotline by phone and text message."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask
from twilio.request_validator import RequestValidator

from hotline import channel_checks, health, logs, services
from hotline.content.reload import Reloader
from hotline.content.snapshot import Snapshot
from hotline.content.store import ContentStore
from hotline.limits import Limits, make_backend
from hotline.metrics import Metrics
from hotline.metrics.views import bp as metrics
from hotline.privacy import CallerKeys, install_log_scrubber
from hotline.sessions import SessionInterface
from hotline.settings import Settings, environment
from hotline.sms.session import ConversationCookies
from hotline.sms.views import bp as sms
from hotline.voice.views import bp as voice

# Before any content is loaded, by the app or the CLI: `hotline check` runs them too.
channel_checks.register()

log = logging.getLogger(__name__)


def create_app(overrides: Mapping[str, str] | None = None) -> Flask:
    """Build the app from the environment (plus `overrides`, for tests and the CLI).

    Fails with ConfigError when a required setting is missing, and with ContentError listing
    every problem when the menus or messages have errors.
    """
    settings = Settings.from_env(environment(overrides))
    logs.configure(settings.log_format)
    # The last good content, kept on disk for a restart while an edit is rejected.
    last_good = Snapshot(
        settings.state_dir, settings.menus_dir, settings.messages_dir, settings.sources_dir
    )
    store = ContentStore.load(
        settings.menus_dir, settings.messages_dir, settings.sources_dir, last_good
    )

    install_log_scrubber()
    app = Flask(__name__)
    # Flask's own signing (sessions; none are used today) rotates keys as the cookies do.
    app.secret_key = settings.secret_key
    app.config["SECRET_KEY_FALLBACKS"] = list(settings.old_secret_keys)
    app.session_interface = SessionInterface()
    # Limits and usage counts share one store: Redis when set, else this process's memory.
    abuse = settings.abuse
    backend = make_backend(abuse.redis_url)
    token = settings.auth_token
    services.install(
        app,
        services.Services(
            settings=settings,
            store=store,
            limits=Limits(backend, CallerKeys(settings.secret_key), abuse),
            metrics=Metrics(backend),
            cookies=ConversationCookies(settings.signing_keys, secure=not settings.dev),
            validator=None if token is None else RequestValidator(token),
        ),
    )
    if settings.auth_token is None or settings.secret_key_generated:
        log.warning(_dev_warning(settings))

    # A doubled slash in a webhook's address is not one of ours: no redirect, the static document.
    app.url_map.merge_slashes = False
    app.register_blueprint(voice)
    app.register_blueprint(sms)
    app.register_blueprint(metrics)
    if settings.staff_password is not None:
        from hotline.staff.views import bp as staff

        # The console builds a separate line on a draft's content with the same factory.
        app.extensions["hotline.create_app"] = create_app
        app.register_blueprint(staff)
    if settings.dev:
        from hotline.staff.home import bp as home

        app.register_blueprint(home)

    if settings.unknown:
        log.warning(
            "%s set, but this version of the hotline has no such setting (see the table in "
            "README.md); it is ignored",
            ", ".join(settings.unknown),
        )

    reload_seconds = settings.reload_seconds
    reloader = (
        None if reload_seconds is None else Reloader(store, reload_seconds, snapshot=last_good)
    )
    if reloader is not None:
        app.before_request(reloader.maybe_reload)
    health.install(app, store, reloader, backend)

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
