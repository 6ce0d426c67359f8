"""One Twilio emulator for `hotline preview`, the staff console and the tests.

It drives the real app in-process with requests signed as Twilio signs them, and follows the
TwiML that comes back as Twilio does: `<Gather>` posts the key to its action (or falls through to
the next verb on silence), `<Redirect>` fetches a new document, `<Dial>` transfers and then posts
the outcome to its action, `<Reject>` refuses the call, `<Hangup>` or the end of the document ends
it. A text conversation keeps the cookies the SMS webhook sets, one jar per pair of numbers.

`run` is the pure part: one document's verbs in, what the caller hears and where the call waits
out. `Waiting` is plain JSON, so the console can hand it to the browser (signed) and keep nothing.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any, Literal, Protocol
from urllib.parse import urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

ACCOUNT_SID = "AC" + "0" * 32
# A redirect loop must end the call instead of hanging whoever drives it.
MAX_DOCUMENTS_PER_STEP = 20
# Twilio's default <Gather> and <Dial> timeouts, in seconds.
GATHER_TIMEOUT = 5
DIAL_TIMEOUT = 30
# Set in the WSGI environ of every request the console simulates. It is not a header, so no
# request from outside can carry it; the webhooks pass it on as a value (not counted, no limits).
SIMULATED = "hotline.simulated"
WaitKind = Literal["key", "transfer"]


class EmulatorError(Exception):
    """The app answered something Twilio could not follow; the message says what."""


# The pure step: one document's verbs -------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One thing that happened on the call, as the caller lived it.

    kind: fetch (url), say (text, language, voice), play (url), pause (seconds), gather (seconds),
    key (text), silence (seconds), dial (number, caller_id, seconds), transfer_ended (text: the
    status), rejected (text: the reason), hangup, end (no verbs left), error (text).
    """

    kind: str
    text: str = ""
    language: str = ""
    voice: str = ""
    url: str = ""
    seconds: int = 0
    number: str = ""
    caller_id: str = ""

    def as_json(self) -> dict[str, Any]:
        """The event for a page's script: its type and the fields that kind uses, by name."""
        values = asdict(self)
        fields = JSON_FIELDS.get(self.kind, ())
        return {"type": self.kind, **{name: values[source] for name, source in fields}}


# Per kind: (name in JSON, field of Event).
JSON_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "fetch": (("url", "url"),),
    "say": (("text", "text"), ("language", "language"), ("voice", "voice")),
    "play": (("url", "url"),),
    "pause": (("seconds", "seconds"),),
    "gather": (("seconds", "seconds"),),
    "key": (("key", "text"),),
    "silence": (("seconds", "seconds"),),
    "dial": (("number", "number"), ("caller_id", "caller_id"), ("seconds", "seconds")),
    "transfer_ended": (("status", "text"),),
    "rejected": (("reason", "text"),),
    "error": (("message", "text"),),
}


@dataclass(frozen=True)
class Waiting:
    """Where a call waits for the caller: a key for a <Gather>, or the end of a <Dial>."""

    kind: WaitKind
    url: str  # the document's address, against which its relative addresses resolve
    action: str  # where the key or the transfer's outcome is posted ('' for a <Dial> without one)
    rest: str  # the verbs after the <Gather> or <Dial>, as a <Response> document
    timeout: int
    verb: str = ""  # the <Gather> or <Dial> itself, as the app wrote it

    def element(self) -> ET.Element:
        return ET.fromstring(self.verb)

    def verbs_after(self) -> list[ET.Element]:
        return list(ET.fromstring(self.rest))

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Waiting:
        """A Waiting from `as_json`; EmulatorError for anything else."""
        if not isinstance(data, dict) or data.get("kind") not in ("key", "transfer"):
            raise EmulatorError("this is not the position of a call")
        try:
            waiting = cls(
                data["kind"],
                str(data["url"]),
                str(data["action"]),
                str(data["rest"]),
                int(data["timeout"]),
                str(data["verb"]),
            )
            waiting.verbs_after()
            waiting.element()
        except (KeyError, TypeError, ValueError, ET.ParseError) as error:
            raise EmulatorError("this is not the position of a call") from error
        return waiting


@dataclass(frozen=True)
class Outcome:
    """What one document did: events, then a wait, a redirect, or (neither) the end of the call."""

    events: tuple[Event, ...]
    waiting: Waiting | None = None
    redirect: str | None = None


def run(url: str, verbs: Iterable[ET.Element]) -> Outcome:
    """Follow one document's `verbs`, fetched from `url`, as Twilio does."""
    verbs = list(verbs)
    events: list[Event] = []
    for index, verb in enumerate(verbs):
        rest = verbs[index + 1 :]
        if verb.tag in ("Say", "Play", "Pause"):
            events.append(_heard(verb, url))
        elif verb.tag == "Gather":
            for inner in verb:
                events.append(
                    _heard(inner, url)
                    if inner.tag in ("Say", "Play", "Pause")
                    else Event("error", f"<{inner.tag}> cannot be inside <Gather>")
                )
            timeout = _seconds(verb.get("timeout"), GATHER_TIMEOUT)
            events.append(Event("gather", seconds=timeout))
            action = urljoin(url, verb.get("action") or url)
            waiting = Waiting("key", url, action, _document(rest), timeout, _xml(verb))
            return Outcome(tuple(events), waiting)
        elif verb.tag == "Redirect":
            return Outcome(tuple(events), redirect=urljoin(url, (verb.text or "").strip()))
        elif verb.tag == "Dial":
            events.append(_dial(verb))
            action = urljoin(url, verb.get("action")) if verb.get("action") else ""
            waiting = Waiting("transfer", url, action, _document(rest), 0, _xml(verb))
            return Outcome(tuple(events), waiting)
        elif verb.tag == "Reject":
            return Outcome((*events, Event("rejected", verb.get("reason") or "rejected")))
        elif verb.tag == "Hangup":
            return Outcome((*events, Event("hangup")))
        else:
            return Outcome((*events, Event("error", f"a call cannot follow <{verb.tag}>")))
    return Outcome((*events, Event("end")))


def _heard(verb: ET.Element, url: str) -> Event:
    if verb.tag == "Say":
        return Event(
            "say",
            (verb.text or "").strip(),
            language=verb.get("language") or "en-US",
            voice=verb.get("voice") or "",
        )
    if verb.tag == "Play":
        # Twilio resolves a relative recording against the document's address.
        return Event("play", url=urljoin(url, (verb.text or "").strip()))
    return Event("pause", seconds=_seconds(verb.get("length"), 1))


def _dial(verb: ET.Element) -> Event:
    number = verb.find("Number")
    return Event(
        "dial",
        number=((number.text if number is not None else verb.text) or "").strip(),
        caller_id=verb.get("callerId") or "",
        seconds=_seconds(verb.get("timeout"), DIAL_TIMEOUT),
    )


def _seconds(value: str | None, default: int) -> int:
    return int(value) if value and value.isascii() and value.isdigit() else default


def _xml(verb: ET.Element) -> str:
    return ET.tostring(verb, encoding="unicode")


def _document(verbs: list[ET.Element]) -> str:
    remaining = ET.Element("Response")
    remaining.extend(verbs)
    return ET.tostring(remaining, encoding="unicode")


# Posting as Twilio does --------------------------------------------------------------------------


class Poster(Protocol):
    def full_url(self, url: str) -> str: ...

    def post(
        self, url: str, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> TestResponse: ...


@dataclass
class SignedPoster:
    """Posts form fields to the app as Twilio does: signed over the full public address.

    `token` None posts unsigned (a dev server without a token checks nothing). `simulated`
    marks each request as the console's, so it is neither counted nor limited.
    """

    client: FlaskClient
    token: str | None
    public_url: str
    simulated: bool = False

    @classmethod
    def for_app(
        cls, app: Flask, token: str | None, public_url: str, simulated: bool = False
    ) -> SignedPoster:
        # Twilio sends voice webhooks no cookies; texts carry the jar's cookies explicitly.
        return cls(app.test_client(use_cookies=False), token, public_url, simulated)

    def full_url(self, url: str) -> str:
        return urljoin(self.public_url.rstrip("/") + "/", url)

    def post(
        self, url: str, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> TestResponse:
        full = self.full_url(url)
        sent = dict(headers or {})
        if self.token is not None:
            sent["X-Twilio-Signature"] = sign(full, params, self.token)
        parts = urlsplit(full)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not isinstance(self.client, FlaskClient):
            # Another client with the same post() (the tests' real HTTP one) sends to its server.
            return self.client.post(path, data=dict(params), headers=sent)
        return self.client.post(
            path,
            data=dict(params),
            headers=sent,
            # The app checks the signature against its public URL or, without one, this address.
            base_url=f"{parts.scheme}://{parts.netloc}",
            environ_overrides={SIMULATED: True} if self.simulated else None,
        )


def sign(url: str, params: Mapping[str, str], token: str) -> str:
    """X-Twilio-Signature for a POST of `params` to `url`, computed as Twilio computes it."""
    return RequestValidator(token).compute_signature(url, dict(params))


def twiml(response: TestResponse, url: str) -> ET.Element:
    """The <Response> document of a webhook's answer; EmulatorError if Twilio could not use it."""
    path = _path(url)
    if response.status_code != 200:
        raise EmulatorError(f"{path} answered HTTP {response.status_code}")
    if response.mimetype != "text/xml":
        raise EmulatorError(f"{path} answered {response.mimetype}, not text/xml")
    try:
        root = ET.fromstring(response.data)
    except ET.ParseError as error:
        raise EmulatorError(f"{path} answered something that is not XML ({error})") from error
    if root.tag != "Response":
        raise EmulatorError(f"{path} answered <{root.tag}> instead of <Response>")
    return root


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def new_sid(prefix: str) -> str:
    """A made-up SID: each call and text has its own, so none looks like a retry of another."""
    return prefix + secrets.token_hex(16)


# A call ------------------------------------------------------------------------------------------


@dataclass
class Call:
    """One call, followed document by document. `events` holds the whole call, `step` the latest
    action's (a call, a key, silence, the end of a transfer) until the line waits or hangs up.

    With `raise_errors`, an answer Twilio could not follow raises EmulatorError (previews and
    tests); without, it is recorded as an error event and the call ends (the console).
    """

    poster: Poster
    caller: str
    hotline: str
    sid: str = field(default_factory=lambda: new_sid("CA"))
    raise_errors: bool = True
    waiting: Waiting | None = None
    ended: bool = False
    events: list[Event] = field(default_factory=list)
    step: list[Event] = field(default_factory=list)
    documents: int = 0
    url: str = ""  # the latest document's address
    document: ET.Element | None = None  # the latest document, as the app wrote it

    def start(self, url: str = "/voice") -> Call:
        return self.request(url)

    def request(self, url: str, extra: Mapping[str, str] | None = None) -> Call:
        """Twilio requests `url` as a new step of the call (a webhook, or an action)."""
        self._begin()
        self._fetch(url, extra or {})
        return self

    def press(self, key: str) -> Call:
        waiting = self._waiting_for("key")
        self._begin(Event("key", key))
        self._fetch(waiting.action, {"Digits": key})
        return self

    def silence(self) -> Call:
        waiting = self._waiting_for("key")
        self._begin(Event("silence", seconds=waiting.timeout))
        self._follow(waiting.url, waiting.verbs_after())
        return self

    def transfer_ends(self, status: str) -> Call:
        """The transfer ends with Twilio's DialCallStatus, such as completed or busy."""
        waiting = self._waiting_for("transfer")
        self._begin(Event("transfer_ended", status))
        if waiting.action:
            self._fetch(waiting.action, {"DialCallStatus": status})
        else:
            self._follow(waiting.url, waiting.verbs_after())
        return self

    def heard(self) -> list[Event]:
        """What the caller heard since their latest action: spoken text and recordings."""
        return [event for event in self.step if event.kind in ("say", "play")]

    def params(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The fields Twilio posts with every voice webhook of this call."""
        return {
            "CallSid": self.sid,
            "AccountSid": ACCOUNT_SID,
            "From": self.caller,
            "To": self.hotline,
            "Caller": self.caller,
            "Called": self.hotline,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            **extra,
        }

    def _waiting_for(self, kind: WaitKind) -> Waiting:
        if self.waiting is None or self.waiting.kind != kind:
            wanted = "a key" if kind == "key" else "the end of a transfer"
            raise EmulatorError(f"the call is not waiting for {wanted}")
        return self.waiting

    def _begin(self, event: Event | None = None) -> None:
        self.step = []
        self.waiting = None
        if event is not None:
            self._record(event)

    def _record(self, *events: Event) -> None:
        self.step.extend(events)
        self.events.extend(events)

    def _fetch(self, url: str, extra: Mapping[str, str]) -> None:
        for _ in range(MAX_DOCUMENTS_PER_STEP):
            self.url = urljoin(self.url or self.poster.full_url("/"), url)
            self._record(Event("fetch", url=_path(self.url)))
            self.documents += 1
            try:
                self.document = twiml(self.poster.post(self.url, self.params(extra)), self.url)
            except EmulatorError as error:
                self._fail(str(error))
                return
            outcome = run(self.url, self.document)
            self._settle(outcome)
            if outcome.redirect is None:
                return
            url, extra = outcome.redirect, {}
        self._fail("the call keeps redirecting and never waits for the caller")

    def _follow(self, url: str, verbs: list[ET.Element]) -> None:
        outcome = run(url, verbs)
        self._settle(outcome)
        if outcome.redirect is not None:
            self._fetch(outcome.redirect, {})

    def _settle(self, outcome: Outcome) -> None:
        self._record(*outcome.events)
        self.waiting = outcome.waiting
        self.ended = outcome.waiting is None and outcome.redirect is None
        failed = next((e for e in outcome.events if e.kind == "error"), None)
        if failed is not None:
            self._fail(failed.text, recorded=True)

    def _fail(self, message: str, recorded: bool = False) -> None:
        self.waiting, self.ended = None, True
        if self.raise_errors:
            raise EmulatorError(message)
        if not recorded:
            self._record(Event("error", message))


# A text conversation -----------------------------------------------------------------------------


@dataclass
class CookieJar:
    """The cookies Twilio keeps for one pair of numbers (texter, hotline), by name."""

    cookies: dict[str, str] = field(default_factory=dict)

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def update(self, set_cookie_headers: Iterable[str]) -> None:
        """Keep, replace or clear cookies as Twilio does with the answer's Set-Cookie headers."""
        for header in set_cookie_headers:
            parsed: SimpleCookie = SimpleCookie()
            try:
                parsed.load(header)
            except CookieError:
                continue
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


@dataclass
class SmsThread:
    """One person texting the hotline; `poster` may be swapped to reach another instance."""

    poster: Poster
    texter: str
    hotline: str
    jar: CookieJar = field(default_factory=CookieJar)
    replies: list[str] = field(default_factory=list)
    document: ET.Element | None = None
    sent: int = 0

    def params(self, body: str, sid: str) -> dict[str, str]:
        """The fields Twilio posts for one incoming text."""
        return {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": self.texter,
            "To": self.hotline,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ApiVersion": "2010-04-01",
        }

    def send(self, body: str, sid: str | None = None) -> list[str]:
        """Text `body` to the hotline; the replies, one per <Message>. EmulatorError if the
        answer is not a document of <Message>s Twilio could send."""
        self.sent += 1
        headers = {"Cookie": self.jar.header()} if self.jar.cookies else {}
        response = self.poster.post("/sms", self.params(body, sid or new_sid("SM")), headers)
        self.document = twiml(response, "/sms")
        self.jar.update(response.headers.getlist("Set-Cookie"))
        self.replies = [_message_text(verb) for verb in self.document]
        return self.replies


def _message_text(verb: ET.Element) -> str:
    if verb.tag != "Message":
        raise EmulatorError(f"a text reply holds <{verb.tag}>, not only <Message>")
    body = verb.find("Body")
    return (body.text if body is not None else verb.text) or ""
