"""Thin views of the staff console: check the password, call the simulators, serve the page."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
)

from hotline import services
from hotline.content.store import ContentStore
from hotline.emulator import SignedPoster
from hotline.services import services_of
from hotline.settings import Settings
from hotline.staff import auth, heard, inprocess, overview, session, sources
from hotline.staff.drafts import DRAFT_URL, BadEdits, Draft, Drafts, parse_edits, write_atomically
from hotline.staff.phone import PHONE_KEYS, BadState, CallSimulator, StepResult
from hotline.staff.text import send_text

bp = Blueprint(
    "staff",
    __name__,
    url_prefix="/staff",
    template_folder="templates",
    static_folder="static",
)

log = logging.getLogger(__name__)
DRAFTS = "hotline-staff-drafts"

# The hotline's own number is the caller ID of a transfer; 555-01xx numbers are fictional.
DEFAULT_HOTLINE_NUMBER = "+14135550100"
# What a console API view returns: a response, or one with its status.
ApiResponse = Response | tuple[Response, int]
COOKIE_VALUE = re.compile(r"^[A-Za-z0-9._\-]{0,4000}$")
TRANSFER_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# The text simulator speaks to the SMS webhook as an SMS texter or as a WhatsApp user.
TEXT_CHANNELS = ("sms", "whatsapp")
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
    if password is None:
        return auth.challenge()
    refused = auth.refusal(request, password, services.current().limits.logins)
    if refused is not None:
        return refused
    if request.method == "POST" and not request.is_json:
        abort(415)
    return None


@bp.after_request
def harden(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


@bp.errorhandler(BadState)
@bp.errorhandler(BadEdits)
def bad_request(error: Exception) -> tuple[Response, int]:
    return jsonify(error=str(error)), 400


class DraftHasErrors(Exception):
    """The simulators try a draft only when `hotline check` finds no error in it."""


@bp.errorhandler(DraftHasErrors)
def draft_has_errors(error: DraftHasErrors) -> tuple[Response, int]:
    return jsonify(error=str(error)), 409


# Pages ------------------------------------------------------------------------------------------


@bp.get("/")
def index() -> Response:
    settings = _settings()
    response = make_response()
    value = session.session_id(request) or session.start(response, request)
    response.set_data(
        render_template(
            "staff/index.html",
            hotline_number=DEFAULT_HOTLINE_NUMBER,
            csrf_token=session.csrf_token(settings.secret_key, value),
            can_save=settings.staff_can_save,
        )
    )
    return response


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


def _drafts() -> Drafts:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    drafts = app.extensions.get(DRAFTS)
    if drafts is None:
        settings = _settings()
        drafts = app.extensions[DRAFTS] = Drafts(
            settings.menus_dir, settings.messages_dir, settings.sources_dir
        )
    return drafts


def _simulated_app(body: dict[str, Any]) -> tuple[Flask, str | None]:
    """The line the simulators call: this app, or the line on the draft whose edits the page
    sent (with the token that signs for it)."""
    edits = parse_edits(body.get("edits"))
    if not edits:
        return current_app._get_current_object(), None  # type: ignore[attr-defined]
    draft = _drafts().get(edits)
    if draft.has_errors:
        raise DraftHasErrors("the draft has errors: fix them, or throw the draft away, to try it")
    draft_app = draft.app(current_app.extensions["hotline.create_app"], _settings().secret_key)
    return draft_app, draft.token()


def _poster(app: Flask, draft_token: str | None) -> SignedPoster:
    if draft_token is None:
        return inprocess.poster(app, _settings(), request.host_url)
    return SignedPoster.for_app(app, draft_token, DRAFT_URL, simulated=True)


def _call(app: Flask, draft_token: str | None, body: dict[str, Any]) -> CallSimulator:
    return CallSimulator(
        _poster(app, draft_token),
        services.current().settings.signing_keys,
        _field(body, "to", DEFAULT_HOTLINE_NUMBER),
    )


def _call_step(body: dict[str, Any], act: Callable[[CallSimulator], StepResult]) -> Response:
    """Take one step of a simulated call; with it, the place in the tree the caller now is."""
    app, draft_token = _simulated_app(body)
    result = act(_call(app, draft_token, body))
    answer = result.as_json()
    waiting = result.call.waiting
    place = heard.call_place(app, waiting.action) if waiting is not None else None
    answer["heard"] = heard.place_json(services_of(app).store.content, place)
    return jsonify(answer)


@bp.post("/api/call/start")
def call_start() -> Response:
    return _call_step(_body(), lambda call: call.start())


@bp.post("/api/call/press")
def call_press() -> ApiResponse:
    body = _body()
    key = _field(body, "key")
    if key not in PHONE_KEYS or len(key) != 1:
        return jsonify(error="a phone has only the keys 0-9, * and #"), 400
    return _call_step(body, lambda call: call.press(_field(body, "state"), key))


@bp.post("/api/call/silence")
def call_silence() -> Response:
    body = _body()
    return _call_step(body, lambda call: call.silence(_field(body, "state")))


@bp.post("/api/call/transfer-ends")
def call_transfer_ends() -> ApiResponse:
    body = _body()
    status = _field(body, "status")
    if status not in TRANSFER_STATUSES:
        return jsonify(error=f"status must be one of {sorted(TRANSFER_STATUSES)}"), 400
    return _call_step(body, lambda call: call.transfer_ends(_field(body, "state"), status))


@bp.post("/api/text")
def text() -> ApiResponse:
    body = _body()
    cookie = _field(body, "cookie")
    if not COOKIE_VALUE.match(cookie):
        return jsonify(error="the conversation cookie is not one the SMS webhook set"), 400
    to = _field(body, "to", DEFAULT_HOTLINE_NUMBER)
    texter = _field(body, "texter")
    channel = _field(body, "channel", "sms")
    if channel not in TEXT_CHANNELS:
        return jsonify(error=f"channel must be one of {list(TEXT_CHANNELS)}"), 400
    app, draft_token = _simulated_app(body)
    poster = _poster(app, draft_token)
    exchange = send_text(poster, to, _field(body, "body"), cookie, texter, channel)
    answer = exchange.as_json()
    shared = services_of(app)
    place = heard.text_place(shared.cookies, exchange.cookie)
    answer["heard"] = heard.place_json(shared.store.content, place)
    return jsonify(answer)


# What staff look at -----------------------------------------------------------------------------


@bp.get("/api/map")
def tree_map() -> Response:
    return jsonify(overview.tree_map(_store(), services.current().metrics))


@bp.get("/api/problems")
def problems() -> Response:
    return jsonify(overview.problems(_store()))


@bp.get("/api/usage")
def usage() -> Response:
    return jsonify(overview.usage(current_app, _store()))


# Drafts -----------------------------------------------------------------------------------------


def _draft_json(draft: Draft) -> dict[str, Any]:
    store = _store()
    problems = [overview.problem_json(store, p, base=draft.root) for p in draft.problems.sorted()]
    return {
        "key": draft.key,
        "changed": draft.changed,
        "files": {name: draft.drafted[name] for name in draft.changed},
        "diff": draft.diff(),
        "problems": problems,
        "edit_problems": draft.edit_problems,
        "errors": len(draft.problems.errors) + len(draft.edit_problems),
        "warnings": len(draft.problems.warnings),
        "can_save": _settings().staff_can_save,
    }


@bp.post("/api/draft")
def draft_check() -> Response:
    """What `hotline check` says about the draft, its changed files and their diff."""
    return jsonify(_draft_json(_drafts().get(parse_edits(_body().get("edits")))))


@bp.post("/api/draft/save")
def draft_save() -> ApiResponse:
    """Write the draft's changed files into the content folder, where live reload finds them."""
    settings = _settings()
    if not settings.staff_can_save:
        return jsonify(error="saving is off on this server (HOTLINE_STAFF_CAN_SAVE)"), 403
    if not session.csrf_ok(request, settings.secret_key):
        return jsonify(error="reload the console page and try again (its token is stale)"), 403
    drafts = _drafts()
    draft = drafts.get(parse_edits(_body().get("edits")))
    if not draft.changed:
        return jsonify(error="the draft changes nothing"), 400
    if draft.has_errors:
        return jsonify(error="the draft has errors: fix them first", **_draft_json(draft)), 409
    who = session.log_name(settings.secret_key, session.session_id(request))
    for name in draft.changed:
        path = drafts.folder_of(name)
        if path.read_text(encoding="utf-8") != draft.published[name]:
            return jsonify(error=f"{name} changed on disk meanwhile: check the draft again"), 409
        write_atomically(path, draft.drafted[name])
        log.info("staff console saved %s (staff session %s)", name, who)
    return jsonify(saved=draft.changed)
