"""One webhook request from Twilio, read straight from the WSGI environ, and what goes back.

Twilio's webhooks are small url-encoded forms. Reading them here rather than through Flask's
request object keeps a webhook's cost close to that of checking its signature: Flask's request
and app contexts, routing, session and response objects cost about twice that check again, and a
news event can bring hundreds of callers at once (see bench/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" decoding error handler)
from werkzeug.datastructures import MultiDict

from hotline.emulator import SIMULATED

# werkzeug's own limit for a url-encoded form (max_form_memory_size), kept as it was under Flask.
MAX_FORM_BYTES = 500_000
FORM_TYPE = "application/x-www-form-urlencoded"


class BodyTooLarge(Exception):
    """A body larger than any Twilio sends: it is not read, so its signature cannot be checked."""


class Incoming:
    """The parts of a webhook request the line uses: path, query, form fields and a few headers."""

    __slots__ = ("environ", "form", "path", "query")

    def __init__(self, environ: dict[str, Any], path: str) -> None:
        self.environ = environ
        self.path = path
        self.query: str = environ.get("QUERY_STRING", "")
        self.form: MultiDict[str, str] = read_form(environ)

    def header(self, name: str) -> str:
        """A request header by its WSGI name, such as HTTP_X_TWILIO_SIGNATURE ('' when absent)."""
        return self.environ.get(name, "")

    @property
    def simulated(self) -> bool:
        """A staff member trying the line in the console, not a resident."""
        return bool(self.environ.get(SIMULATED))

    def attempt(self) -> int:
        """Which try at a menu this is, from `?try=N` in the URLs the line writes (1 if none)."""
        if not self.query:
            return 1
        raw = next((v for k, v in parse_qsl(self.query) if k == "try"), "1")
        # isdigit() alone lets "²" through, which int() refuses.
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else 1


def read_form(environ: dict[str, Any]) -> MultiDict[str, str]:
    """The url-encoded form in the body, parsed as werkzeug parses it; empty for other bodies."""
    if environ.get("CONTENT_TYPE", "")[: len(FORM_TYPE)].lower() != FORM_TYPE:
        return MultiDict()
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MultiDict()
    if length > MAX_FORM_BYTES:
        raise BodyTooLarge
    if length <= 0:
        return MultiDict()
    body = environ["wsgi.input"].read(length)
    # Invalid percent-escapes are kept as written, as werkzeug keeps them, so the signature is
    # checked over the same text; bodies that are not UTF-8 at all lose the odd character.
    text = body.decode("utf-8", "replace")
    return MultiDict(parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote"))


def wsgi_path(environ: dict[str, Any]) -> str:
    """PATH_INFO as text: WSGI carries it as latin-1, browsers and Twilio send UTF-8."""
    raw = environ.get("PATH_INFO", "")
    if raw.isascii():
        return raw
    return raw.encode("latin-1", "replace").decode("utf-8", "replace")


@dataclass(frozen=True, slots=True)
class Reply:
    """A TwiML document to send back, and a Set-Cookie header value when the cookie changes."""

    document: str
    cookie: str | None = None
