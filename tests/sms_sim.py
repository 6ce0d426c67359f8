"""Texting in tests: hotline.emulator's SmsThread with the tests' numbers and assertions.

Twilio keeps the cookies an SMS webhook sets for each pair of numbers and sends them back with the
next message of that pair, whichever server answers; `client` may be swapped to reach another
instance, and the jar goes with the conversation.
"""

from __future__ import annotations

import itertools

from flask.testing import FlaskClient

from hotline.emulator import CookieJar, SmsThread
from tests.twilio_sim import AUTH_TOKEN, CANARY_CALLER, HOTLINE_NUMBER, poster

MESSAGE_SID = "SM" + "5" * 32
# Every message Twilio sends carries its own SID; replays are detected by it, so two texters in
# one test must never share one. The canary searches every sink for this SID's digits.
_message_numbers = itertools.count(1)
MAX_MESSAGE = 1600


class Texter(SmsThread):
    """One person texting the hotline; each reply is checked as a document Twilio could send."""

    def __init__(
        self,
        client: FlaskClient,
        number: str = CANARY_CALLER,
        hotline: str = HOTLINE_NUMBER,
        jar: CookieJar | None = None,
        token: str = AUTH_TOKEN,
        sent: int = 0,
        extra: dict[str, str] | None = None,
    ) -> None:
        super().__init__(poster(client, token), number, hotline, jar or CookieJar(), sent=sent)
        # Fields a channel adds, such as WhatsApp's WaId and ProfileName.
        self.extra = extra or {}

    def params(self, body: str, sid: str) -> dict[str, str]:
        return {**super().params(body, sid), **self.extra}

    @property
    def client(self) -> FlaskClient:
        return self.poster.client  # type: ignore[attr-defined]

    @client.setter
    def client(self, client: FlaskClient) -> None:
        self.poster = poster(client, self.poster.token)  # type: ignore[attr-defined]

    def send(self, body: str) -> Texter:  # type: ignore[override]
        """Text `body` to the hotline and read the reply."""
        serial = str(next(_message_numbers))
        super().send(body, MESSAGE_SID[: -len(serial)] + serial)
        assert self.document is not None
        for message in self.document:
            assert not list(message), "a <Message> holds only text"
            assert 0 < len(message.text or "") <= MAX_MESSAGE
        return self

    @property
    def number(self) -> str:
        return self.texter

    @property
    def text(self) -> str:
        """Everything the texter read in the last reply."""
        return "\n\n".join(self.replies)
