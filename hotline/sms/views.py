"""The thin Flask view for incoming texts: read the cookie, call the renderer, keep the cookie.

Nothing a texter sends (body, numbers, message SID) is logged, stored or echoed.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request, session
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import HTTPException

from hotline.content.store import ContentStore
from hotline.limits import Verdict
from hotline.limits.web import sms_verdict
from hotline.metrics.record import conversation_item, count
from hotline.safe_twiml import LAST_RESORT_SMS, xml_response
from hotline.security import twilio_only
from hotline.sms import session as conversation_cookie
from hotline.sms.render import SmsRenderer

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms")
NO_REPLY = str(MessagingResponse())


def _renderer() -> SmsRenderer:
    store: ContentStore = current_app.config["HOTLINE_STORE"]
    return store.derived("sms", SmsRenderer)


# POST only: with GET, Twilio would put the texter's words in the URL, and so in access logs.
@bp.route("", methods=["POST"])
@twilio_only
def incoming() -> Response:
    verdict, reason, first = sms_verdict()
    renderer = _renderer()
    conversation = conversation_cookie.read(session, renderer.content)
    if verdict is not Verdict.REPLY:
        # Past a limit or from abroad: one short notice at most, so abuse costs the city little.
        count("sms", None, reason, first)
        language = conversation.language if conversation else None
        return xml_response(renderer.paused(language) if verdict is Verdict.NOTICE else NO_REPLY)
    reply = renderer.reply(conversation, request.form.get("Body", ""))
    conversation_cookie.write(session, reply.conversation)
    count("sms", *conversation_item(reply.conversation), first)
    return xml_response(reply.document)


@bp.route("/fallback", methods=["POST"])
@twilio_only
def fallback() -> Response:
    """The same document as static/fallback-sms.xml, for Twilio's fallback URL."""
    return xml_response(LAST_RESORT_SMS)


@bp.errorhandler(Exception)
def never_fail_a_texter(error: Exception) -> Response:
    """Whatever broke, the texter reads the 911 notice and how to reach the office."""
    if isinstance(error, HTTPException) and error.code in (403, 405):
        return error  # type: ignore[return-value]
    log.exception("the SMS webhook failed; the texter got the safe message")
    try:
        renderer = _renderer()
        conversation = conversation_cookie.read(session, renderer.content)
        document = renderer.problem(conversation.language if conversation else None)
    except Exception:
        log.exception("the safe SMS reply could not be rendered; sent the static one")
        document = LAST_RESORT_SMS
    return xml_response(document)
