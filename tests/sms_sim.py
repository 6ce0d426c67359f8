"""A stand-in for Twilio's messaging webhook: signed posts, and cookies kept per number pair.

Twilio keeps the cookies an SMS webhook sets for each pair of numbers (texter, hotline) and sends
them back with the next message of that pair, whichever server answers. This driver does the
same with its own cookie jar, so one conversation can move between app instances.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from flask.testing import FlaskClient

from tests.twilio_sim import AUTH_TOKEN, CANARY_CALLER, HOTLINE_NUMBER, parse_twiml, signed_post

MESSAGE_SID = "SM" + "5" * 32
# Every message Twilio sends carries its own SID; replays are detected by it, so two texters in
# one test must never share one.
_message_numbers = itertools.count(1)
MAX_MESSAGE = 1600


@dataclass
class CookieJar:
    """Cookies for one number pair, as Twilio stores them."""

    cookies: dict[str, str] = field(default_factory=dict)

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def update(self, set_cookie_headers: list[str]) -> None:
        for header in set_cookie_headers:
            parsed = SimpleCookie()
            parsed.load(header)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


@dataclass
class Texter:
    """One person texting the hotline; `client` may be swapped to reach another instance."""

    client: FlaskClient
    number: str = CANARY_CALLER
    hotline: str = HOTLINE_NUMBER
    jar: CookieJar = field(default_factory=CookieJar)
    token: str = AUTH_TOKEN
    replies: list[str] = field(default_factory=list)
    document: ET.Element | None = None
    sent: int = 0
    # Fields a channel adds, such as WhatsApp's WaId and ProfileName.
    extra: dict[str, str] = field(default_factory=dict)

    def send(self, body: str) -> Texter:
        """Text `body` to the hotline and read the reply."""
        self.sent += 1
        serial = str(next(_message_numbers))
        params = {
            "MessageSid": MESSAGE_SID[: -len(serial)] + serial,
            "AccountSid": "AC" + "a" * 32,
            "From": self.number,
            "To": self.hotline,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            **self.extra,
        }
        headers = {"Cookie": self.jar.header()} if self.jar.cookies else {}
        response = signed_post(self.client, "/sms", params, self.token, headers)
        assert response.status_code == 200, response.status_code
        assert response.mimetype == "text/xml"
        self.jar.update(response.headers.getlist("Set-Cookie"))
        self.document = parse_twiml(response.data, {"Message"})
        self.replies = [message.text or "" for message in self.document]
        for message in self.document:
            assert not list(message), "a <Message> holds only text"
            assert 0 < len(message.text or "") <= MAX_MESSAGE
        return self

    @property
    def text(self) -> str:
        """Everything the texter read in the last reply."""
        return "\n\n".join(self.replies)
