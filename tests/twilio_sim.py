"""Twilio in tests: hotline.emulator (the one staff previews use) with the tests' numbers.

Only test constants and assertions live here; following TwiML and signing is the emulator's.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hotline import emulator

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


def sign(url: str, params: Mapping[str, str], token: str = AUTH_TOKEN) -> str:
    return emulator.sign(url, params, token)


def poster(client: FlaskClient, token: str = AUTH_TOKEN) -> emulator.SignedPoster:
    return emulator.SignedPoster(client, token, PUBLIC_URL)


def signed_post(
    client: FlaskClient,
    url: str,
    params: dict[str, str],
    token: str = AUTH_TOKEN,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """POST as Twilio does: form fields, signed over the full public URL."""
    return poster(client, token).post(url, params, headers)


@dataclass(frozen=True)
class Heard:
    """One thing the caller heard: spoken text with its voice, or a played recording."""

    text: str
    language: str | None = None
    voice: str | None = None
    played: bool = False


class Call(emulator.Call):
    """A call from the canary number; an answer Twilio could not follow fails the test."""

    def __init__(
        self, client: FlaskClient, caller: str = CANARY_CALLER, hotline: str = HOTLINE_NUMBER
    ) -> None:
        super().__init__(poster(client), caller, hotline, sid=CALL_SID)

    def post(self, url: str, extra: dict[str, str] | None = None) -> Call:
        """Request `url` as a new step of the call: what was heard before is forgotten."""
        self.request(url, extra)
        return self

    def dial_ends(self, status: str) -> Call:
        self.transfer_ends(status)
        return self

    @property
    def heard(self) -> list[Heard]:  # type: ignore[override]
        return [
            Heard(event.url, played=True)
            if event.kind == "play"
            else Heard(event.text, event.language, event.voice)
            for event in super().heard()
        ]

    @property
    def pending_gather(self) -> ET.Element | None:
        """The <Gather> the call waits at, as the app wrote it."""
        waiting = self.waiting
        return waiting.element() if waiting is not None and waiting.kind == "key" else None

    @property
    def pending_dial(self) -> ET.Element | None:
        waiting = self.waiting
        return waiting.element() if waiting is not None and waiting.kind == "transfer" else None

    @property
    def text(self) -> str:
        return " ".join(h.text for h in self.heard)
