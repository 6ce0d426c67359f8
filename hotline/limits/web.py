"""The limits as the webhooks use them: read Twilio's fields, never fail the caller."""

from __future__ import annotations

import logging

from twilio.twiml.voice_response import VoiceResponse

from hotline.limits.guard import Limits, Reason, Verdict
from hotline.webhooks.incoming import Incoming

log = logging.getLogger(__name__)
IDEMPOTENCY_HEADER = "HTTP_I_TWILIO_IDEMPOTENCY_TOKEN"


def replay_id(incoming: Incoming) -> str | None:
    """What a retried webhook repeats: Twilio's idempotency token, or SID, address and key."""
    token = incoming.header(IDEMPOTENCY_HEADER).strip()
    if token:
        return f"token\x00{token}"
    form = incoming.form
    sid = form.get("CallSid") or form.get("MessageSid")
    if not sid:
        return None
    return "\x00".join([sid, incoming.path, incoming.query, form.get("Digits", "")])


def busy() -> str:
    """Refuse the call as busy: Twilio does not answer it, so it costs the city nothing."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


BUSY_TWIML = busy()


def call_allowed(limits: Limits, incoming: Incoming) -> tuple[bool, bool | None]:
    """Whether to answer this call, and whether it is its first greeting (see Limits).

    When the check itself fails, answer, and leave the first-time question open (None).
    """
    if incoming.simulated:
        # The console's simulations reach no one: they must never spend a caller's allowance.
        return True, None
    try:
        form = incoming.form
        return limits.call_allowed(form.get("From"), form.get("CallSid"))
    except Exception:
        log.exception("the call limit could not be checked; the call was answered")
        return True, None


def sms_verdict(limits: Limits, incoming: Incoming) -> tuple[Verdict, Reason, bool | None]:
    """Whether to reply to this text, and whether it is its first delivery (see Limits)."""
    if incoming.simulated:
        # A training session must never spend the line-wide ceiling that residents rely on.
        return Verdict.REPLY, Reason.NONE, None
    try:
        form = incoming.form
        sid = form.get("MessageSid")
        return limits.sms_verdict(form.get("From"), sid or replay_id(incoming))
    except Exception:
        log.exception("the text limits could not be checked; the text was answered")
        return Verdict.REPLY, Reason.NONE, None
