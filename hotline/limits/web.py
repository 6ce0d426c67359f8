"""The limits as the webhooks use them: Twilio's fields as plain values, never failing a caller.

Each webhook is one step (see Limits). A simulated request (the staff console) is held to the
limits' simulation copy: it never spends the real line's limits nor adds to its usage figures.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from twilio.twiml.voice_response import VoiceResponse

from hotline.limits.guard import Limits, Reason, Verdict
from hotline.limits.step import Counter

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


def _chosen(limits: Limits, simulated: bool) -> Limits:
    return limits.simulation() if simulated else limits


def visit(
    limits: Limits, replay: str | None, counted: Counter | None, simulated: bool = False
) -> None:
    """Count a visit once per webhook (see Limits.visit); a failure costs the count only."""
    if counted is None:
        return
    try:
        _chosen(limits, simulated).visit(replay, counted)
    except Exception:
        log.exception("a visit could not be counted; the caller was answered")


def call_allowed(
    limits: Limits,
    caller: str | None,
    call_sid: str | None,
    answered: Counter | None = None,
    busy: Counter | None = None,
    simulated: bool = False,
) -> bool:
    """Whether to answer this call, counting it as `answered` or `busy`; answered if unsure."""
    try:
        return _chosen(limits, simulated).call(caller, call_sid, answered, busy)
    except Exception:
        log.exception("the call limit could not be checked; the call was answered")
        return True


def sms_verdict(
    limits: Limits,
    sender: str | None,
    replay: str | None,
    under_way: bool = False,
    replied: Counter | None = None,
    refused: Callable[[Reason], Counter | None] = lambda reason: None,
    simulated: bool = False,
) -> tuple[Verdict, Reason]:
    """Whether to reply to this text (see Limits.text); replied to if unsure.

    `replay` is what a retry of this text repeats: its MessageSid, else its replay_id.
    """
    try:
        chosen = _chosen(limits, simulated)
        return chosen.text(sender, replay, under_way, replied, refused)
    except Exception:
        log.exception("the text limits could not be checked; the text was answered")
        return Verdict.REPLY, Reason.NONE
