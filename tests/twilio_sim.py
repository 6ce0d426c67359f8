"""A stand-in for Twilio in tests: signs webhooks and follows TwiML the way Twilio does.

Gather posts its digits to its action (resolved against the document's URL); without input it
falls through to the next verb; Redirect fetches a new document; the end of a document, Hangup
or Reject ends the call.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

PUBLIC_URL = "https://hotline.example.org"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
HOTLINE_NUMBER = "+14135550100"
CANARY_CALLER = "+14135550123"
CALL_SID = "CA" + "c" * 32

VOICE_VERBS = {"Say", "Play", "Gather", "Redirect", "Dial", "Hangup", "Pause", "Reject"}
SMS_VERBS = {"Message", "Redirect"}


def parse_twiml(body: bytes | str, allowed: set[str] = VOICE_VERBS) -> ET.Element:
    """Parse a TwiML document and check it has a <Response> root with only allowed verbs."""
    root = ET.fromstring(body)
    assert root.tag == "Response", f"root is <{root.tag}>, not <Response>"
    for verb in root:
        assert verb.tag in allowed, f"unexpected verb <{verb.tag}>"
    return root


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def signed_post(
    client: FlaskClient,
    url: str,
    params: dict[str, str],
    token: str = AUTH_TOKEN,
    headers: dict[str, str] | None = None,
):
    """POST as Twilio does: form fields, signed over the full public URL."""
    full = urljoin(PUBLIC_URL + "/", url)
    parts = urlsplit(full)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return client.post(
        path,
        data=params,
        headers={"X-Twilio-Signature": sign(full, params, token), **(headers or {})},
    )


@dataclass
class Heard:
    """One thing the caller heard: spoken text with its voice, or a played recording."""

    text: str
    language: str | None = None
    voice: str | None = None
    played: bool = False


@dataclass
class Call:
    client: FlaskClient
    caller: str = CANARY_CALLER
    hotline: str = HOTLINE_NUMBER
    url: str = PUBLIC_URL + "/voice"
    document: ET.Element | None = None
    heard: list[Heard] = field(default_factory=list)
    pending_gather: ET.Element | None = None
    pending_dial: ET.Element | None = None
    rest: list[ET.Element] = field(default_factory=list)
    ended: bool = False
    documents: int = 0

    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        return {
            "CallSid": CALL_SID,
            "AccountSid": "AC" + "a" * 32,
            "From": self.caller,
            "To": self.hotline,
            "Caller": self.caller,
            "Called": self.hotline,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **extra,
        }

    def fetch(self, url: str, extra: dict[str, str] | None = None) -> Call:
        assert self.documents < 200, "the call never ends"
        self.url = urljoin(self.url, url)
        response = signed_post(self.client, self.url, self._params(extra or {}))
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "text/xml"
        self.documents += 1
        self.document = parse_twiml(response.data)
        self._run(list(self.document))
        return self

    def start(self) -> Call:
        return self.post(PUBLIC_URL + "/voice")

    def post(self, url: str, extra: dict[str, str] | None = None) -> Call:
        """Request `url` as a new step of the call: what was heard before is forgotten."""
        self.heard = []
        return self.fetch(url, extra)

    def _run(self, verbs: list[ET.Element]) -> None:
        self.pending_gather = self.pending_dial = None
        for index, verb in enumerate(verbs):
            if verb.tag in ("Say", "Play"):
                self._hear(verb)
            elif verb.tag == "Pause":
                continue
            elif verb.tag == "Gather":
                for inner in verb:
                    assert inner.tag in ("Say", "Play", "Pause"), inner.tag
                    self._hear(inner)
                self.pending_gather, self.rest = verb, verbs[index + 1 :]
                return
            elif verb.tag == "Redirect":
                self.fetch(verb.text or "")
                return
            elif verb.tag == "Dial":
                self.pending_dial, self.rest = verb, verbs[index + 1 :]
                return
            elif verb.tag in ("Hangup", "Reject"):
                self.ended = True
                return
        self.ended = True

    def _hear(self, verb: ET.Element) -> None:
        if verb.tag == "Play":
            self.heard.append(Heard(verb.text or "", played=True))
        elif verb.tag == "Say":
            self.heard.append(Heard(verb.text or "", verb.get("language"), verb.get("voice")))

    def press(self, key: str) -> Call:
        assert self.pending_gather is not None, "no menu is waiting for a key"
        action = self.pending_gather.get("action") or self.url
        return self.post(action, {"Digits": key})

    def silence(self) -> Call:
        assert self.pending_gather is not None, "no menu is waiting for a key"
        self.heard = []
        self._run(self.rest)
        return self

    def dial_ends(self, status: str) -> Call:
        assert self.pending_dial is not None, "no transfer is under way"
        action = self.pending_dial.get("action")
        if not action:
            self.heard = []
            self._run(self.rest)
            return self
        return self.post(action, {"DialCallStatus": status})

    @property
    def text(self) -> str:
        return " ".join(h.text for h in self.heard)
