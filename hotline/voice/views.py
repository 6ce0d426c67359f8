"""The voice webhooks: read Twilio's fields, call the renderer, count the visit.

The webhooks take POST only: with GET, Twilio would put the caller's number in the URL, where the
hosting platform's router logs it. A GET, or an address not in ROUTES below, gets the static
911-and-office document (see hotline.webhooks).
"""

from __future__ import annotations

import datetime as dt

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
from hotline.webhooks.incoming import Incoming, Reply
from hotline.webhooks.line import Line
from hotline.webhooks.routes import Routes


def _renderer(line: Line) -> VoiceRenderer:
    return line.store.derived("voice", VoiceRenderer)


def _digits(incoming: Incoming) -> str:
    """The first key pressed ('' when none); anything else is simply not an option."""
    return incoming.form.get("Digits", "")[:1]


def _trail(path: str) -> Trail:
    return tuple(part for part in path.split("/") if part)


def _hotline_number(incoming: Incoming) -> str | None:
    # `To` on an incoming call is the hotline's own number, never the caller's.
    return incoming.form.get("To")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def greeting(line: Line, incoming: Incoming) -> Reply:
    attempt = incoming.attempt()
    answered = usage(line, "voice", None, START if attempt == 1 else None)
    if not call_allowed(line, incoming, answered, usage(line, "voice", None, BUSY)):
        return Reply(BUSY_TWIML)
    return Reply(_renderer(line).greeting(attempt))


def choose_language(line: Line, incoming: Incoming) -> Reply:
    digits = _digits(incoming)
    document = _renderer(line).choose_language(digits, incoming.attempt())
    count(line, incoming, "voice", *chosen_language(line.store.content, digits))
    return Reply(document)


def node(line: Line, incoming: Incoming, lang: str, trail: str) -> Reply:
    steps, attempt = _trail(trail), incoming.attempt()
    document = _renderer(line).node(lang, steps, attempt)
    item = node_item(line.store.content, steps) if attempt == 1 else None
    count(line, incoming, "voice", lang, item)
    return Reply(document)


def key_press(line: Line, incoming: Incoming, lang: str, trail: str) -> Reply:
    steps, digits = _trail(trail), _digits(incoming)
    document = _renderer(line).key_press(
        lang, steps, digits, incoming.attempt(), _hotline_number(incoming), _now()
    )
    count(line, incoming, "voice", lang, key_item(line.store.content, steps, digits))
    return Reply(document)


def office_result(line: Line, incoming: Incoming, lang: str, trail: str) -> Reply:
    status = incoming.form.get("DialCallStatus", "")
    return Reply(_renderer(line).office_result(lang, _trail(trail), status))


def fallback(line: Line, incoming: Incoming) -> Reply:
    """The same document as static/fallback-voice.xml, for Twilio's Fallback URL."""
    return Reply(LAST_RESORT_VOICE)


def stale_url(line: Line, incoming: Incoming, unknown: str) -> Reply:
    """An address from an older version of the app: start again at the greeting."""
    return Reply(_renderer(line).greeting(1))


def problem(line: Line, incoming: Incoming, lang: str | None) -> Reply:
    """Whatever broke, the caller hears the 911 notice and how to reach the office."""
    return Reply(_renderer(line).problem(lang, _hotline_number(incoming)))


# A place in the URL: a language code, then the trail (as Flask's string and path converters).
_PLACE = r"/(?P<lang>[^/]+)/(?P<trail>[^/].*)"
ROUTES = Routes(
    name="voice",
    prefix="/voice",
    table=[
        ("", greeting),
        ("/language", choose_language),
        ("/node" + _PLACE, node),
        ("/key" + _PLACE, key_press),
        ("/office-result" + _PLACE, office_result),
        ("/fallback", fallback),
        (r"/(?P<unknown>[^/].*)", stale_url),
    ],
    problem=problem,
    last_resort=LAST_RESORT_VOICE,
)
