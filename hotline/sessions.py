"""Flask's signed-cookie sessions, with the signer made once per set of keys.

Flask makes a new signing serializer for every request, to see whether sessions can be signed,
and tries it on an empty session as it does: about 8 us of every webhook, for sessions no
webhook has (Twilio sends no Flask session cookie, and the hotline keeps none today). The keys
only change with a restart, so one serializer per set of keys serves every request.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple[object, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if keys not in self._serializers:
            self._serializers = {keys: super().get_signing_serializer(app)}
        return self._serializers[keys]
