"""Blueprints for Twilio's webhooks: signed requests only, and TwiML whatever fails.

Every route of a `TwilioBlueprint` takes POSTs signed by Twilio (403 otherwise). The signature
header's shape and the body's size and field count are checked before the body is parsed, so an
unsigned or oversized request costs almost nothing. Whatever fails after that, the caller still
hears or reads the 911 notice and the office's number: a failing handler gets the channel's safe
reply, a failing safe reply the static document. A GET (with which Twilio would put the caller's
number in the URL) or an address under the prefix that no route knows gets the static document,
which says nothing about anyone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Flask, Response, request
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from hotline.emulator import SIMULATED
from hotline.limits.web import replay_id
from hotline.security import only_from_twilio

log = logging.getLogger(__name__)

XML = "text/xml"
SafeReply = Callable[[], Response]


def twiml(document: str) -> Response:
    return Response(document, mimetype=XML)


class TwilioBlueprint(Blueprint):
    """A blueprint of webhooks for one channel, with its safe reply and its static document."""

    def __init__(
        self,
        name: str,
        import_name: str,
        *,
        url_prefix: str,
        static_document: str,
        safe_reply: SafeReply,
        label: str | None = None,
    ) -> None:
        super().__init__(name, import_name, url_prefix=url_prefix)
        # How logs name the channel, such as "SMS".
        self.label = label or name
        self.static_document = static_document
        self.safe_reply = safe_reply
        self.before_request(only_from_twilio)
        self.register_error_handler(HTTPException, self._http_error)
        self.register_error_handler(Exception, self._failure)
        self.record_once(_answer_routing_errors)

    def static_response(self) -> Response:
        return Response(self.static_document, mimetype=XML)

    def owns(self, path: str) -> bool:
        prefix = self.url_prefix or ""
        return path == prefix or path.startswith(prefix + "/")

    def _http_error(self, error: HTTPException) -> Response | HTTPException:
        if error.code == 403:
            return error  # not from Twilio: nobody to answer
        if error.code == 413:
            log.error(
                "%s: a body too large to be a webhook; sent the static document", request.path
            )
        else:
            log.error(
                "%s answered %s; the caller got the static document", request.path, error.code
            )
        return self.static_response()

    def _failure(self, error: Exception) -> Response:
        log.error(
            "the %s webhook failed at %s; the caller got the safe message",
            self.label,
            request.path,
            exc_info=error,
        )
        try:
            return self.safe_reply()
        except Exception:
            log.exception("the safe message could not be rendered; sent the static one")
            return self.static_response()


def _answer_routing_errors(state: BlueprintSetupState) -> None:
    """Answer a GET or an unknown address under a webhook prefix with the static document.

    Routing fails before any blueprint is chosen, so this is the app's handler, shared by every
    webhook blueprint; requests outside their prefixes keep Flask's answer.
    """
    app: Flask = state.app
    if app.extensions.get("hotline.routing_errors"):
        return
    app.extensions["hotline.routing_errors"] = True

    def routing_error(error: HTTPException) -> Response | HTTPException:
        for blueprint in app.blueprints.values():
            if isinstance(blueprint, TwilioBlueprint) and blueprint.owns(request.path):
                return blueprint.static_response()
        return error

    app.register_error_handler(NotFound, routing_error)
    app.register_error_handler(MethodNotAllowed, routing_error)


# What the views read from a webhook request, as plain values ------------------------------------

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


def field(name: str) -> str:
    """A form field Twilio sent ('' when absent)."""
    return request.form.get(name, "")


def attempt() -> int:
    """Which try at a menu this is, from `?try=N` in the URLs the line writes (1 if none)."""
    raw = request.args.get("try", "1")
    # isdigit() alone lets "²" through, which int() refuses.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else 1


def simulated() -> bool:
    """A staff member trying the line in the console, not a resident.

    The emulator marks its requests with a WSGI environ key, not a header, so no request from
    outside can carry it: counters leave simulated calls and texts out of the figures.
    """
    return bool(request.environ.get(SIMULATED))


def replay() -> str | None:
    """What a retry of this webhook repeats (see limits.web.replay_id)."""
    return replay_id(
        request.headers.get(IDEMPOTENCY_HEADER, ""),
        field("CallSid") or field("MessageSid") or None,
        request.path,
        request.query_string.decode("latin-1"),
        field("Digits"),
    )
