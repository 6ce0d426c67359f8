"""Thin Flask views for the voice webhooks: parse Twilio's fields, call the renderer."""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, Response, current_app, request

from hotline.content.store import ContentStore
from hotline.limits.web import busy, call_allowed
from hotline.metrics.record import BUSY, START, chosen_language, count, key_item, node_item
from hotline.navigation import Trail
from hotline.safe_twiml import LAST_RESORT_VOICE, xml_response
from hotline.security import twilio_only
from hotline.voice.twiml import VoiceRenderer

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/voice")


def _renderer() -> VoiceRenderer:
    store: ContentStore = current_app.config["HOTLINE_STORE"]
    return store.derived("voice", VoiceRenderer)


def _attempt() -> int:
    raw = request.args.get("try", "1")
    return int(raw) if raw.isdigit() and len(raw) < 3 else 1


# The webhooks take POST only (see below), so Twilio's fields are read from the form alone.
def _digits() -> str:
    """The first key pressed ('' when none); anything else is simply not an option."""
    return request.form.get("Digits", "")[:1]


def _trail(path: str) -> Trail:
    return tuple(part for part in path.split("/") if part)


def _hotline_number() -> str | None:
    # `To` on an incoming call is the hotline's own number, never the caller's.
    return request.form.get("To")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# POST only, as for texts: with GET, Twilio would put the caller's number in the URL, where the
# hosting platform's router logs it. A GET gets the static 911-and-office document instead.
@bp.route("", methods=["POST"])
@twilio_only
def greeting() -> Response:
    allowed, first = call_allowed()
    if not allowed:
        count("voice", None, BUSY, first)
        return xml_response(busy())
    attempt = _attempt()
    document = _renderer().greeting(attempt)
    count("voice", None, START if attempt == 1 else None, first)
    return xml_response(document)


@bp.route("/language", methods=["POST"])
@twilio_only
def choose_language() -> Response:
    digits = _digits()
    document = _renderer().choose_language(digits, _attempt())
    count("voice", *chosen_language(digits))
    return xml_response(document)


@bp.route("/node/<lang>/<path:trail>", methods=["POST"])
@twilio_only
def node(lang: str, trail: str) -> Response:
    steps, attempt = _trail(trail), _attempt()
    document = _renderer().node(lang, steps, attempt)
    count("voice", lang, node_item(steps) if attempt == 1 else None)
    return xml_response(document)


@bp.route("/key/<lang>/<path:trail>", methods=["POST"])
@twilio_only
def key_press(lang: str, trail: str) -> Response:
    steps, digits = _trail(trail), _digits()
    document = _renderer().key_press(lang, steps, digits, _attempt(), _hotline_number(), _now())
    count("voice", lang, key_item(steps, digits))
    return xml_response(document)


@bp.route("/office-result/<lang>/<path:trail>", methods=["POST"])
@twilio_only
def office_result(lang: str, trail: str) -> Response:
    status = request.form.get("DialCallStatus", "")
    return xml_response(_renderer().office_result(lang, _trail(trail), status))


@bp.route("/fallback", methods=["POST"])
@twilio_only
def fallback() -> Response:
    """The same document as static/fallback-voice.xml, for Twilio's Fallback URL."""
    return xml_response(LAST_RESORT_VOICE)


@bp.route("/<path:unknown>", methods=["POST"])
@twilio_only
def stale_url(unknown: str) -> Response:
    """An address from an older version of the app: start again at the greeting."""
    return xml_response(_renderer().greeting(1))


@bp.errorhandler(Exception)
def never_fail_a_caller(error: Exception) -> Response:
    """Whatever broke, the caller hears the 911 notice and how to reach the office."""
    from werkzeug.exceptions import HTTPException

    if isinstance(error, HTTPException) and error.code == 403:
        return error  # type: ignore[return-value]
    log.exception("a voice webhook failed at %s; the caller got the safe message", request.path)
    lang = request.view_args.get("lang") if request.view_args else None
    try:
        document = _renderer().problem(lang, _hotline_number())
    except Exception:
        log.exception("the safe message could not be rendered; sent the static one")
        document = LAST_RESORT_VOICE
    return xml_response(document)
