"""Thin views of the staff console: check the password, call the simulators, serve the page."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from hotline import services
from hotline.config import Settings
from hotline.content.store import ContentStore
from hotline.emulator import SignedPoster
from hotline.staff import auth, inprocess, overview, sources
from hotline.staff.phone import PHONE_KEYS, BadState, CallSimulator
from hotline.staff.text import send_text

bp = Blueprint(
    "staff",
    __name__,
    url_prefix="/staff",
    template_folder="templates",
    static_folder="static",
)

# The hotline's own number is the caller ID of a transfer; 555-01xx numbers are fictional.
DEFAULT_HOTLINE_NUMBER = "+14135550100"
Reply = Response | tuple[Response, int]
COOKIE_VALUE = re.compile(r"^[A-Za-z0-9._\-]{0,4000}$")
TRANSFER_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
SECURITY_HEADERS = {
    # Recordings may live on any https host; nothing else is loaded from outside.
    "Content-Security-Policy": (
        "default-src 'self'; media-src 'self' https:; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _settings() -> Settings:
    return services.current().settings


def _store() -> ContentStore:
    return services.current().store


@bp.before_request
def staff_only() -> Response | None:
    """Ask for the password; refuse API posts that a form on another site could make."""
    password = _settings().staff_password
    if password is None or not auth.password_matches(request, password):
        return auth.challenge()
    if request.method == "POST" and not request.is_json:
        abort(415)
    return None


@bp.after_request
def harden(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


@bp.errorhandler(BadState)
def bad_state(error: BadState) -> tuple[Response, int]:
    return jsonify(error=str(error)), 400


# Pages ------------------------------------------------------------------------------------------


@bp.get("/")
def index() -> str:
    return render_template("staff/index.html", hotline_number=DEFAULT_HOTLINE_NUMBER)


@bp.get("/source/<path:name>")
def source(name: str) -> str:
    settings = _settings()
    shown = sources.read(settings.menus_dir, settings.messages_dir, name)
    if shown is None:
        abort(404)
    return render_template("staff/source.html", name=name, lines=shown)


# Simulators -------------------------------------------------------------------------------------


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    return body


def _field(body: dict[str, Any], name: str, default: str = "") -> str:
    value = body.get(name, default)
    if not isinstance(value, str):
        abort(400)
    return value


def _poster() -> SignedPoster:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return inprocess.poster(app, _settings(), request.host_url)


def _call(body: dict[str, Any]) -> CallSimulator:
    return CallSimulator(
        _poster(), current_app.secret_key, _field(body, "to", DEFAULT_HOTLINE_NUMBER)
    )


@bp.post("/api/call/start")
def call_start() -> Response:
    body = _body()
    return jsonify(_call(body).start().as_json())


@bp.post("/api/call/press")
def call_press() -> Reply:
    body = _body()
    key = _field(body, "key")
    if key not in PHONE_KEYS or len(key) != 1:
        return jsonify(error="a phone has only the keys 0-9, * and #"), 400
    return jsonify(_call(body).press(_field(body, "state"), key).as_json())


@bp.post("/api/call/silence")
def call_silence() -> Response:
    body = _body()
    return jsonify(_call(body).silence(_field(body, "state")).as_json())


@bp.post("/api/call/transfer-ends")
def call_transfer_ends() -> Reply:
    body = _body()
    status = _field(body, "status")
    if status not in TRANSFER_STATUSES:
        return jsonify(error=f"status must be one of {sorted(TRANSFER_STATUSES)}"), 400
    return jsonify(_call(body).transfer_ends(_field(body, "state"), status).as_json())


@bp.post("/api/text")
def text() -> Reply:
    body = _body()
    cookie = _field(body, "cookie")
    if not COOKIE_VALUE.match(cookie):
        return jsonify(error="the conversation cookie is not one the SMS webhook set"), 400
    to = _field(body, "to", DEFAULT_HOTLINE_NUMBER)
    texter = _field(body, "texter")
    exchange = send_text(_poster(), to, _field(body, "body"), cookie, texter)
    return jsonify(exchange.as_json())


# What staff look at -----------------------------------------------------------------------------


@bp.get("/api/map")
def tree_map() -> Response:
    return jsonify(overview.tree_map(_store()))


@bp.get("/api/problems")
def problems() -> Response:
    return jsonify(overview.problems(_store()))


@bp.get("/api/usage")
def usage() -> Response:
    return jsonify(overview.usage(current_app, _store()))
