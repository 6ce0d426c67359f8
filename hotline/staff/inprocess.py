"""The console's poster: the app's own webhooks, signed as Twilio signs them, marked simulated."""

from __future__ import annotations

from flask import Flask

from hotline.emulator import SignedPoster
from hotline.settings import Settings


def base_url(settings: Settings, host_url: str) -> str:
    """The address Twilio would call: the configured public one, else this server's own."""
    return (settings.public_url or host_url).rstrip("/")


def poster(app: Flask, settings: Settings, host_url: str) -> SignedPoster:
    """Posts to `app` as Twilio would. In dev mode without a token nothing is checked, so
    nothing is signed; `simulated` keeps these requests out of usage counts and limits."""
    return SignedPoster.for_app(
        app, settings.auth_token, base_url(settings, host_url), simulated=True
    )
