"""The limits as the webhooks use them: Twilio's fields as plain values, never failing a caller."""

from __future__ import annotations

import logging

from twilio.twiml.voice_response import VoiceResponse

from hotline.limits.guard import Limits, Reason, Verdict

log = logging.getLogger(__name__)


def replay_id(token: str, sid: str | None, path: str, query: str, digits: str) -> str | None:
    """What a retried webhook repeats: Twilio's idempotency token, or SID, address and key."""
    token = token.strip()
    if token:
        return f"token\x00{token}"
    if not sid:
        return None
    return "\x00".join([sid, path, query, digits])


def busy() -> str:
    """Refuse the call as busy: Twilio does not answer it, so it costs the city nothing."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


BUSY_TWIML = busy()


def call_allowed(
    limits: Limits, caller: str | None, call_sid: str | None, simulated: bool = False
) -> tuple[bool, bool | None]:
    """Whether to answer this call, and whether it is its first greeting (see Limits).

    When the check itself fails, answer, and leave the first-time question open (None).
    """
    if simulated:
        # The console's simulations reach no one: they must never spend a caller's allowance.
        return True, None
    try:
        return limits.call_allowed(caller, call_sid)
    except Exception:
        log.exception("the call limit could not be checked; the call was answered")
        return True, None


def sms_verdict(
    limits: Limits, sender: str | None, replay: str | None, simulated: bool = False
) -> tuple[Verdict, Reason, bool | None]:
    """Whether to reply to this text, and whether it is its first delivery (see Limits).

    `replay` is what a retry of this text repeats: its MessageSid, else its replay_id.
    """
    if simulated:
        # A training session must never spend the line-wide ceiling that residents rely on.
        return Verdict.REPLY, Reason.NONE, None
    try:
        return limits.sms_verdict(sender, replay)
    except Exception:
        log.exception("the text limits could not be checked; the text was answered")
        return Verdict.REPLY, Reason.NONE, None
