"""Only Twilio may reach the webhooks: every request must carry a valid X-Twilio-Signature.

The check is twilio's own RequestValidator, on purpose: signature checking is security code that
Twilio maintains (port forms, bodySHA256, comparison in constant time), and the benchmark's
baseline uses the same call, so the two are compared on equal terms.
"""

from __future__ import annotations

from twilio.request_validator import RequestValidator
from werkzeug.wsgi import get_current_url

from hotline.config import Settings
from hotline.webhooks.incoming import Incoming

SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"


def signed_url(settings: Settings, incoming: Incoming) -> str:
    """The URL Twilio signed: behind a proxy, the public address rather than ours."""
    if settings.public_url is None:
        return get_current_url(incoming.environ)
    query = incoming.query
    return settings.public_url + incoming.path + (f"?{query}" if query else "")


def is_from_twilio(
    settings: Settings, validator: RequestValidator | None, incoming: Incoming
) -> bool:
    """Whether the request carries Twilio's signature (in dev mode without a token: anything)."""
    if validator is None:
        return settings.dev
    signature = incoming.header(SIGNATURE_HEADER)
    if not signature:
        return False
    return validator.validate(signed_url(settings, incoming), incoming.form, signature)
