"""The voice webhooks: read Twilio's fields, call the renderer, count the visit.

POST only: with GET, Twilio would put the caller's number in the URL, where the hosting
platform's router logs it. A GET, or an address under /voice that no route knows, gets the static
911-and-office document (see hotline.webhook).
"""

from __future__ import annotations

import datetime as dt

from flask import Response, request

from hotline import services, webhook
from hotline.limits.web import BUSY_TWIML, call_allowed
from hotline.metrics.record import (
    BUSY,
    START,
    chosen_language,
    count,
    key_item,
    node_item,
    usage,
)
from hotline.navigation import Trail
from hotline.safe_twiml import LAST_RESORT_VOICE
from hotline.voice.twiml import VoiceRenderer
from hotline.webhook import TwilioBlueprint, twiml


def _renderer() -> VoiceRenderer:
    return services.current().store.derived("voice", VoiceRenderer)


def _digits() -> str:
    """The first key pressed ('' when none); anything else is simply not an option."""
    return webhook.field("Digits")[:1]


def _trail(path: str) -> Trail:
    return tuple(part for part in path.split("/") if part)


def _hotline_number() -> str | None:
    # `To` on an incoming call is the hotline's own number, never the caller's.
    return request.form.get("To")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _count(language: str | None, item: str | None) -> None:
    count(
        services.current(),
        "voice",
        language,
        item,
        replay=webhook.replay(),
        simulated=webhook.simulated(),
    )


def safe_reply() -> Response:
    """Whatever broke, the caller hears the 911 notice and how to reach the office."""
    lang = (request.view_args or {}).get("lang")
    return twiml(_renderer().safe_reply(lang, _hotline_number()))


bp = TwilioBlueprint(
    "voice",
    __name__,
    url_prefix="/voice",
    static_document=LAST_RESORT_VOICE,
    safe_reply=safe_reply,
)


@bp.post("")
def greeting() -> Response:
    shared, form, attempt = services.current(), request.form, webhook.attempt()
    # The limit and the usage count are one step in the store: one round trip with Redis.
    allowed = call_allowed(
        shared.limits,
        form.get("From"),
        form.get("CallSid"),
        answered=usage(shared, "voice", None, START if attempt == 1 else None),
        busy=usage(shared, "voice", None, BUSY),
        simulated=webhook.simulated(),
    )
    if not allowed:
        return twiml(BUSY_TWIML)
    return twiml(_renderer().greeting(attempt))


@bp.post("/language")
def choose_language() -> Response:
    digits = _digits()
    document = _renderer().choose_language(digits, webhook.attempt())
    _count(*chosen_language(services.current().store.content, digits))
    return twiml(document)


# A place in the URL: a language code, then the trail of menu and message ids.
@bp.post("/node/<lang>/<path:trail>")
def node(lang: str, trail: str) -> Response:
    steps, attempt = _trail(trail), webhook.attempt()
    document = _renderer().node(lang, steps, attempt)
    item = node_item(services.current().store.content, steps) if attempt == 1 else None
    _count(lang, item)
    return twiml(document)


@bp.post("/key/<lang>/<path:trail>")
def key_press(lang: str, trail: str) -> Response:
    steps, digits = _trail(trail), _digits()
    document = _renderer().key_press(
        lang, steps, digits, webhook.attempt(), _hotline_number(), _now()
    )
    _count(lang, key_item(services.current().store.content, steps, digits))
    return twiml(document)


@bp.post("/office-result/<lang>/<path:trail>")
def office_result(lang: str, trail: str) -> Response:
    status = webhook.field("DialCallStatus")
    return twiml(_renderer().office_result(lang, _trail(trail), status))


@bp.post("/fallback")
def fallback() -> Response:
    """The same document as static/fallback-voice.xml, for Twilio's Fallback URL."""
    return twiml(LAST_RESORT_VOICE)


@bp.post("/<path:unknown>")
def stale_url(unknown: str) -> Response:
    """An address from an older version of the app: start again at the greeting."""
    return twiml(_renderer().greeting(1))
