"""Nothing that identifies a caller is kept: scrub logs, and key anything per caller by HMAC.

The app never logs a phone number, a Call or Message SID, or a message body. The scrubber below is
defence in depth for what slips through anyway (a library's error message, a dev server's request
line): it rewrites every log record before any handler sees it. It also keeps each record on
one line: a control character a caller put in an address (a newline, an escape sequence) is
written as an escape, so it can never forge a line of its own in the app's or gunicorn's log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from typing import Any

# A request line's query string may carry a GET webhook's From and Body: keep only the path.
# No word boundary before the method: the dev server colours the line, as in "\x1b[1mGET /".
_REQUEST_LINE = re.compile(r"((?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) [^\s?\"]*)\?[^\s\"\x1b]*")
# Twilio SIDs that Twilio's records tie to a caller: calls, messages, recordings, transcriptions.
_SID = re.compile(r"(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{2}))(?:CA|SM|MM|RE|TR)[0-9a-fA-F]{32}")
# Separators people and encoders put between digit groups: space, dot, dash, '+', '%20'.
_SEP = r"(?:[ .\-+]|%20)?"
_START = r"(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{2}))"
_PHONE = re.compile(
    "|".join(
        [
            # E.164 and international forms: a '+' (or its URL encoding) then 7 to 15 digits.
            rf"(?:\+|%2[Bb])\d(?:{_SEP}\d){{6,14}}",
            # North American forms: 4135550123, 413-555-0123, (413) 555-0123, 1 413 555 0123.
            rf"{_START}(?:1{_SEP})?(?:\(|%28)?\d{{3}}(?:\)|%29)?{_SEP}\d{{3}}{_SEP}\d{{4}}(?!\d)",
            # A number stripped of its '+': any bare run of 10 to 15 digits.
            rf"{_START}\d{{10,15}}(?!\d)",
        ]
    )
)
# Characters that end a line or drive a terminal in some log viewer; a tab is harmless.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
# An exception's traceback keeps its lines, each indented so none can pass for a record.
_TRACEBACK_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_REPLACEMENTS: list[tuple[re.Pattern[str], str]] = [
    (_REQUEST_LINE, r"\1"),
    (_SID, "[sid]"),
    (_PHONE, "[number]"),
]


def scrub(text: str) -> str:
    """Replace phone numbers, caller-linked Twilio SIDs and query strings in `text`."""
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    return text


def one_line(text: str) -> str:
    """`text` with every control character written as an escape, such as \\n or \\x1b."""
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]


def _indented(text: str) -> str:
    """A traceback's lines, control characters escaped and every line indented."""
    text = _TRACEBACK_CONTROL.sub(_escape, text)
    return "\n".join(f"  | {line}" for line in text.splitlines())


def scrub_record(record: logging.LogRecord) -> None:
    """Rewrite a record in place so that no handler or formatter sees the unscrubbed text."""
    if getattr(record, "hotline_scrubbed", False):
        return
    try:
        message = record.getMessage()
    except Exception:
        # logging would print the raw arguments to stderr when formatting fails; never let it.
        message = f"{record.msg} [arguments could not be formatted and were dropped]"
    caller_text = _caller_text()
    record.msg, record.args = one_line(scrub(_without(caller_text, str(message)))), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = _indented(scrub(_without(caller_text, record.exc_text)))
    if record.stack_info:
        record.stack_info = _indented(scrub(record.stack_info))
    record.hotline_scrubbed = True


def _caller_text() -> list[str]:
    """What the caller sent with the request being handled, in the forms code may quote it.

    An exception's message can quote a message body (a failed lookup, a bad number); the
    traceback keeps its frames and types, and these words become [caller text].
    """
    sent = _flask_request_values()
    forms = {form for value in sent for form in _quoted_forms(value) if len(form) >= 3}
    return sorted(forms, key=len, reverse=True)


def _flask_request_values() -> list[str]:
    """The values of the Flask request being handled, if any (webhooks are Flask routes)."""
    from flask import has_request_context, request

    if not has_request_context():
        return []
    try:
        return [value for value in request.values.values() if len(value.strip()) >= 3]
    except Exception:  # a body too large or malformed to parse: nothing of it was read
        return []


def _quoted_forms(value: str) -> tuple[str, ...]:
    stripped = value.strip()
    return (value, stripped, stripped.upper(), stripped.casefold(), repr(stripped)[1:-1])


def _without(caller_text: list[str], text: str) -> str:
    for value in caller_text:
        text = text.replace(value, "[caller text]")
    return text


class ScrubFilter(logging.Filter):
    """A logging filter that scrubs each record and lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


class _ScrubbingFactory:
    """A log record factory that scrubs every record the process creates, whoever handles it."""

    def __init__(self, previous: Callable[..., logging.LogRecord]) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.previous(*args, **kwargs)
        scrub_record(record)
        return record


# Loggers that own handlers of their own and do not pass records on to the root logger.
_SERVER_LOGGERS = ("werkzeug", "gunicorn.error", "gunicorn.access", "flask.app")


def install_log_scrubber() -> None:
    """Scrub every log record: at creation, on the root logger and on every handler present."""
    if not isinstance(logging.getLogRecordFactory(), _ScrubbingFactory):
        logging.setLogRecordFactory(_ScrubbingFactory(logging.getLogRecordFactory()))
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in _SERVER_LOGGERS)]
    for logger in loggers:
        for target in [logger, *logger.handlers]:
            if not any(isinstance(f, ScrubFilter) for f in target.filters):
                target.addFilter(ScrubFilter())


class CallerKeys:
    """Keyed identifiers for callers: HMAC-SHA256 with a secret, never a plain hash.

    A plain hash of a phone number is no protection: every number in an area code can be
    hashed and compared in seconds. Without the secret an HMAC cannot be tested against a guess.
    """

    def __init__(self, secret: str) -> None:
        # A key of its own, so the secret that also signs cookies is never used raw here.
        key = hmac.new(secret.encode(), b"hotline caller keys v1", hashlib.sha256).digest()
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def key(self, purpose: str, value: str) -> str:
        """The HMAC of `value` for one purpose (such as 'replay'), as 32 hex characters."""
        # A copy of an HMAC already keyed: no key set-up per call. Not hmac.digest(): its
        # one-shot C call lets go of the GIL for a microsecond of work, and under gunicorn's
        # threads getting it back cost each request far more than the HMAC itself.
        mac = self._keyed.copy()
        mac.update(f"{purpose}\x00{value}".encode())
        return mac.hexdigest()[:32]

    def number(self, purpose: str, number: str) -> str:
        """The HMAC of a phone number, the same for every way of writing it."""
        return self.key(purpose, normalise(number))


def normalise(value: str) -> str:
    """One form per number, so +1 413-555-0123 and +14135550123 share a limit."""
    stripped = value.strip()
    rest = stripped[1:]
    if stripped[:1] == "+" and rest.isascii() and rest.isdigit():
        return stripped  # already E.164-shaped, as Twilio sends it: the common case, kept quick
    digits = re.sub(r"[^0-9]", "", stripped)
    if stripped.startswith("+") and digits:
        return "+" + digits
    if len(digits) == 10:
        return "+1" + digits
    if len(digits) == 11 and digits.startswith("1"):
        return "+" + digits
    return stripped
