"""A stand-in for Twilio in tests: signs webhooks and follows TwiML the way Twilio does.

The call driver is hotline.preview's, the one staff use: Gather posts its digits to its action
(resolved against the document's URL); without input it falls through to the next verb; Redirect
fetches a new document; the end of a document, Hangup or Reject ends the call.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from hotline.preview import CallPreview, SignedClient

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


@dataclass(frozen=True)
class Heard:
    """One thing the caller heard: spoken text with its voice, or a played recording."""

    text: str
    language: str | None = None
    voice: str | None = None
    played: bool = False


class Call(CallPreview):
    """A call from the canary number, followed by the same driver as `hotline preview call`."""

    def __init__(
        self, client: FlaskClient, caller: str = CANARY_CALLER, hotline: str = HOTLINE_NUMBER
    ) -> None:
        super().__init__(
            SignedClient(client, AUTH_TOKEN, PUBLIC_URL),
            caller=caller,
            hotline=hotline,
            call_sid=CALL_SID,
        )

    def post(self, url: str, extra: dict[str, str] | None = None) -> Call:
        """Request `url` as a new step of the call: what was heard before is forgotten."""
        self.request(url, extra)
        return self

    def dial_ends(self, status: str) -> Call:
        self.office_answers(status)
        return self

    @property
    def heard(self) -> list[Heard]:  # type: ignore[override]
        return [
            Heard(line.text, line.language, line.voice, played=line.kind == "play")
            for line in super().heard()
        ]

    @property
    def pending_gather(self) -> ET.Element | None:
        return self.gather if not self.ended else None

    @property
    def pending_dial(self) -> ET.Element | None:
        return self.dial

    @property
    def text(self) -> str:
        return " ".join(h.text for h in self.heard)
