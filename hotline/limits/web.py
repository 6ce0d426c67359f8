"""The limits as the webhook views use them: read Twilio's fields, never fail the caller."""

from __future__ import annotations

import logging

from flask import current_app, request
from twilio.twiml.voice_response import VoiceResponse

from hotline.limits.guard import Limits, Reason, Verdict

log = logging.getLogger(__name__)
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


def limits() -> Limits:
    return current_app.config["HOTLINE_LIMITS"]


def replay_id() -> str | None:
    """What a retried webhook repeats: Twilio's idempotency token, or SID, address and key."""
    token = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if token:
        return f"token\x00{token}"
    # Webhooks take POST only, so Twilio's fields are in the form.
    form = request.form
    sid = form.get("CallSid") or form.get("MessageSid")
    if not sid:
        return None
    query = request.query_string.decode("latin-1")
    return "\x00".join([sid, request.path, query, form.get("Digits", "")])


def busy() -> str:
    """Refuse the call as busy: Twilio does not answer it, so it costs the city nothing."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


def call_allowed() -> tuple[bool, bool | None]:
    """Whether to answer this call, and whether it is its first greeting (see Limits).

    When the check itself fails, answer, and leave the first-time question open (None).
    """
    try:
        return limits().call_allowed(request.form.get("From"), request.form.get("CallSid"))
    except Exception:
        log.exception("the call limit could not be checked; the call was answered")
        return True, None


def sms_verdict() -> tuple[Verdict, Reason, bool | None]:
    """Whether to reply to this text, and whether it is its first delivery (see Limits)."""
    try:
        sid = request.form.get("MessageSid")
        return limits().sms_verdict(request.form.get("From"), sid or replay_id())
    except Exception:
        log.exception("the text limits could not be checked; the text was answered")
        return Verdict.REPLY, Reason.NONE, None
