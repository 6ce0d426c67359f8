"""Only Twilio may reach the webhooks: every request must carry a valid X-Twilio-Signature.

The check is twilio's own RequestValidator, on purpose: signature checking is security code that
Twilio maintains (port forms, bodySHA256, comparison in constant time). Before it, the cheap
checks: a signature header of the right shape (else 403 without reading the body), then a body
small enough and with few enough fields to be Twilio's (else 413, which the webhooks answer with
the static document), because parsing a large form costs far more than refusing it.
"""

from __future__ import annotations

import logging
import re

from flask import abort, request
from werkzeug.wsgi import get_current_url

from hotline import services

log = logging.getLogger(__name__)

# Twilio's webhooks are forms of a few KB (an SMS body is at most 1,600 characters). Parsing an
# unsigned 500 KB form of distinct names cost ~0.8 s of CPU before the 403 (security review 7).
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 200
# X-Twilio-Signature is the base64 of an HMAC: 28 characters for SHA-1, room for longer ones.
SIGNATURE_SHAPE = re.compile(r"[A-Za-z0-9+/]{27,86}={0,2}")
SIGNATURE_HEADER = "X-Twilio-Signature"


def only_from_twilio() -> None:
    """Refuse what Twilio did not sign, reading as little of it as possible (a before_request).

    In dev mode without an auth token nothing is refused for its signature.
    """
    request.max_content_length = MAX_BODY_BYTES
    shared = services.current()
    validator = shared.validator
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if validator is not None and not SIGNATURE_SHAPE.fullmatch(signature):
        refuse()  # before reading a body nobody signed
    if (request.content_length or 0) > MAX_BODY_BYTES:
        abort(413)
    if request.get_data(cache=True).count(b"&") >= MAX_FIELDS:
        abort(413)
    if validator is None:
        return
    if not validator.validate(signed_url(shared.settings.public_url), request.form, signature):
        refuse()


def refuse() -> None:
    log.warning("refused a request with a missing or invalid Twilio signature")
    abort(403, "This address takes requests signed by Twilio only.")


def signed_url(public_url: str | None) -> str:
    """The URL Twilio signed: behind a proxy, the public address rather than ours."""
    if public_url is None:
        return get_current_url(request.environ)
    query = request.query_string.decode("latin-1")
    return public_url + request.path + (f"?{query}" if query else "")
