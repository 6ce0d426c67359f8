"""The limits as the webhooks use them: read Twilio's fields, one step each, never fail the caller.

The limits a request is held to come with the request when its sender chose them (the staff
console's simulations bring limits of their own, under LIMITS_ENVIRON), else they are the line's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from twilio.twiml.voice_response import VoiceResponse

from hotline.limits.guard import LIMITS_ENVIRON, Limits, Reason, Verdict
from hotline.limits.step import Counter
from hotline.webhooks.incoming import Incoming
from hotline.webhooks.line import Line

log = logging.getLogger(__name__)
IDEMPOTENCY_HEADER = "HTTP_I_TWILIO_IDEMPOTENCY_TOKEN"


def replay_id(token: str, sid: str, path: str, query: str, digits: str) -> str | None:
    """What a retried webhook repeats: Twilio's idempotency token, or SID, address and key."""
    if token.strip():
        return f"token\x00{token.strip()}"
    if not sid:
        return None
    return "\x00".join([sid, path, query, digits])


def incoming_replay_id(incoming: Incoming) -> str | None:
    form = incoming.form
    return replay_id(
        incoming.header(IDEMPOTENCY_HEADER),
        form.get("CallSid") or form.get("MessageSid") or "",
        incoming.path,
        incoming.query,
        form.get("Digits", ""),
    )


def limits_for(line: Line, incoming: Incoming) -> Limits:
    """The limits this request is held to: its own if it brought some, else the line's."""
    chosen = incoming.environ.get(LIMITS_ENVIRON)
    return chosen if isinstance(chosen, Limits) else line.limits


def busy() -> str:
    """Refuse the call as busy: Twilio does not answer it, so it costs the city nothing."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


BUSY_TWIML = busy()


def visit(line: Line, incoming: Incoming, counted: Counter | None) -> None:
    """Count a visit once per webhook (see Limits.visit); a failure costs the count only."""
    if counted is None:
        return
    try:
        limits_for(line, incoming).visit(incoming_replay_id(incoming), counted)
    except Exception:
        log.exception("a visit could not be counted; the caller was answered")


def call_allowed(
    line: Line, incoming: Incoming, answered: Counter | None, busy: Counter | None
) -> bool:
    """Whether to answer this call, counting it as `answered` or `busy`; answered if unsure."""
    try:
        form = incoming.form
        return limits_for(line, incoming).call(
            form.get("From"), form.get("CallSid"), answered, busy
        )
    except Exception:
        log.exception("the call limit could not be checked; the call was answered")
        return True


def text_verdict(
    line: Line,
    incoming: Incoming,
    under_way: bool,
    replied: Counter | None,
    refused: Callable[[Reason], Counter | None],
) -> tuple[Verdict, Reason]:
    """Whether to reply to this text (see Limits.text); replied to if unsure."""
    try:
        form = incoming.form
        sid = form.get("MessageSid")
        replay = f"sms\x00{sid}" if sid else incoming_replay_id(incoming)
        return limits_for(line, incoming).text(
            form.get("From"), replay, under_way, replied, refused
        )
    except Exception:
        log.exception("the text limits could not be checked; the text was answered")
        return Verdict.REPLY, Reason.NONE
