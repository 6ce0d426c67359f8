"""Twilio's webhooks, answered in front of the Flask app that serves everything else.

POSTs to /voice... and /sms... are answered here; other requests (the staff console, /healthz,
/metrics) go on to Flask. Every webhook is checked for Twilio's signature (403 without it) before
anything else, and whatever fails after that, the caller still gets an answer: the handler's
failure gets the channel's safe message, a failure of that gets the static document, and the
request budget around all of this catches anything still left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from hotline import privacy
from hotline.budget.answers import StartResponse, WsgiApp
from hotline.security import SIGNATURE_HEADER, is_from_twilio
from hotline.webhooks.incoming import BodyTooLarge, Incoming, Reply, wsgi_path
from hotline.webhooks.line import Line
from hotline.webhooks.routes import Routes

log = logging.getLogger(__name__)
FORBIDDEN = b"Forbidden: this address takes requests signed by Twilio only.\n"


class Webhooks:
    """WSGI middleware: the channels' routes first, then the app it wraps."""

    def __init__(
        self,
        app: WsgiApp,
        line: Line,
        channels: Iterable[Routes],
        before: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.line = line
        self.channels = tuple(channels)
        # Run before each webhook, as Flask's before_request hooks are for its own routes.
        self.before = before

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = wsgi_path(environ)
        for routes in self.channels:
            if routes.owns(path):
                return self._webhook(routes, path, environ, start_response)
        return self.app(environ, start_response)

    def _webhook(
        self, routes: Routes, path: str, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        matched = routes.match(path) if environ.get("REQUEST_METHOD") == "POST" else None
        if matched is None:
            # Not an address of ours (or a GET, which would put caller data in the URL): the
            # static document, which says nothing about anyone, so it needs no signature.
            return respond(Reply(routes.last_resort), start_response)
        line = self.line
        if line.validator is not None and not environ.get(SIGNATURE_HEADER):
            return refuse(start_response)  # before reading a body nobody signed
        if self.before is not None:
            self.before()
        try:
            incoming = Incoming(environ, path)
        except BodyTooLarge:
            log.error("%s: a body too large to be a webhook; sent the static document", path)
            return respond(Reply(routes.last_resort), start_response)
        if not is_from_twilio(line.settings, line.validator, incoming):
            return refuse(start_response)
        handler, arguments = matched
        with privacy.handling(incoming.form):
            try:
                reply = handler(line, incoming, **arguments)
            except Exception:
                log.exception(
                    "the %s webhook failed at %s; the caller got the safe message",
                    routes.name,
                    path,
                )
                reply = safe_reply(routes, line, incoming, arguments.get("lang"))
        return respond(reply, start_response)


def safe_reply(routes: Routes, line: Line, incoming: Incoming, lang: str | None) -> Reply:
    """The channel's safe message (911 and the office), else its static document."""
    try:
        return routes.problem(line, incoming, lang)
    except Exception:
        log.exception("the safe message could not be rendered; sent the static one")
        return Reply(routes.last_resort)


def respond(reply: Reply, start_response: StartResponse) -> list[bytes]:
    body = reply.document.encode("utf-8")
    headers = [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(body)))]
    if reply.cookie is not None:
        headers.append(("Set-Cookie", reply.cookie))
    start_response("200 OK", headers)
    return [body]


def refuse(start_response: StartResponse) -> list[bytes]:
    log.warning("refused a request with a missing or invalid Twilio signature")
    start_response(
        "403 Forbidden",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(FORBIDDEN)))],
    )
    return [FORBIDDEN]


def install(app: Flask, before: Callable[[], None] | None = None) -> None:
    """Answer the voice and SMS webhooks in front of the Flask app."""
    from hotline.sms.views import ROUTES as SMS
    from hotline.voice.views import ROUTES as VOICE

    app.wsgi_app = Webhooks(app.wsgi_app, Line(app.config), (VOICE, SMS), before)  # type: ignore[method-assign]
