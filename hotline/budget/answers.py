"""What a webhook answers when the app cannot: the static 911-and-office documents."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from hotline.safe_twiml import LAST_RESORT_SMS, LAST_RESORT_VOICE

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Result = tuple[str, list[tuple[str, str]], list[bytes]]


def safe_answer(path: str) -> tuple[str, bytes] | None:
    """The static TwiML for a webhook path, or None for paths that are not webhooks."""
    if path == "/voice" or path.startswith("/voice/"):
        return "200 OK", LAST_RESORT_VOICE.encode("utf-8")
    if path == "/sms" or path.startswith("/sms/"):
        return "200 OK", LAST_RESORT_SMS.encode("utf-8")
    return None


def answer(path: str, result: Result, start_response: StartResponse) -> Iterable[bytes]:
    """Pass the app's answer on, unless it is one Twilio would count as a failure."""
    status, headers, body = result
    if fails_the_caller(path, status):
        log.error("%s answered %s; the caller got the safe answer instead", path, status[:3])
        return answer_safely(path, start_response)
    start_response(status, headers)
    return body


def fails_the_caller(path: str, status: str) -> bool:
    """A webhook answer Twilio would treat as a failure (403 is kept: it is for non-Twilio)."""
    return safe_answer(path) is not None and not status.startswith(("2", "403"))


def answer_safely(path: str, start_response: StartResponse) -> Iterable[bytes]:
    status, body = safe_answer(path) or ("503 Service Unavailable", b"Try again shortly.\n")
    mimetype = "text/xml" if status.startswith("2") else "text/plain"
    start_response(
        status,
        [
            ("Content-Type", f"{mimetype}; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ],
    )
    return [body]
