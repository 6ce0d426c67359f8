"""Previews without Twilio: drive the real app in-process with signed requests, as Twilio would.

A call follows TwiML the way Twilio does: <Gather> posts the key to its action, or falls through
to the next verb on silence; <Redirect> fetches a new document; <Dial> transfers; the end of a
document or <Hangup> ends the call. A text conversation keeps Twilio's cookies between messages.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from hotline.content.limits import sms_size
from hotline.whatsapp.address import PREFIX as WHATSAPP_PREFIX
from hotline.whatsapp.address import SMS, WHATSAPP

PUBLIC_URL = "https://hotline.preview.invalid"
# Twilio's documented test numbers: no real person's number ever appears in a preview.
HOTLINE_NUMBER = "+15005550006"
CALLER_NUMBER = "+15005550001"
MAX_DOCUMENTS = 200


class PreviewError(Exception):
    """The app answered something Twilio could not follow; the message says what."""


def preview_app(
    menus_dir: Path | None = None,
    messages_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> tuple[Flask, str]:
    """The real app with a one-off auth token, so every preview request is signed and checked."""
    from hotline import create_app

    token = secrets.token_hex(16)
    overrides = {
        "TWILIO_AUTH_TOKEN": token,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "HOTLINE_DEV": "",
        "HOTLINE_SECRET_KEY": secrets.token_hex(32),
        **({"HOTLINE_MENUS_DIR": str(menus_dir)} if menus_dir else {}),
        **({"HOTLINE_MESSAGES_DIR": str(messages_dir)} if messages_dir else {}),
        **(extra or {}),
    }
    return create_app(overrides), token


class SignedClient:
    """Posts form fields as Twilio does, signed over the full public URL."""

    def __init__(self, client: FlaskClient, token: str, public_url: str = PUBLIC_URL) -> None:
        self.client = client
        self.validator = RequestValidator(token)
        self.public_url = public_url

    def post(self, url: str, params: dict[str, str]) -> ET.Element:
        """POST to `url` (relative or absolute) and parse the TwiML answer."""
        full = urljoin(self.public_url + "/", url)
        parts = urlsplit(full)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        signature = self.validator.compute_signature(full, params)
        response = self.client.post(path, data=params, headers={"X-Twilio-Signature": signature})
        if response.status_code != 200:
            raise PreviewError(f"{path} answered HTTP {response.status_code}")
        if response.mimetype != "text/xml":
            raise PreviewError(f"{path} answered {response.mimetype}, not text/xml")
        try:
            root = ET.fromstring(response.data)
        except ET.ParseError as error:
            raise PreviewError(f"{path} answered something that is not XML ({error})") from error
        if root.tag != "Response":
            raise PreviewError(f"{path} answered <{root.tag}> instead of <Response>")
        return root


@dataclass(frozen=True)
class Line:
    """One line of a call transcript."""

    kind: str  # say, play, pause, wait, press, silence, transfer, hangup, end
    text: str = ""
    language: str | None = None
    voice: str | None = None

    def format(self) -> str:
        if self.kind == "say":
            return f"  [{self.language or '?'}] {self.text}"
        if self.kind == "play":
            return f"  [recording: {self.text}]"
        if self.kind == "press":
            return f"> key {self.text}"
        if self.kind == "silence":
            return "> (no key: silence)"
        return f"  [{self.text}]"


@dataclass
class CallPreview:
    """One call, followed document by document; `lines` is what the caller hears and does."""

    client: SignedClient
    caller: str = CALLER_NUMBER
    hotline: str = HOTLINE_NUMBER
    call_sid: str = "CA" + "0" * 32
    lines: list[Line] = field(default_factory=list)
    url: str = ""
    document: ET.Element | None = None
    gather: ET.Element | None = None
    dial: ET.Element | None = None
    rest: list[ET.Element] = field(default_factory=list)
    ended: bool = False
    documents: int = 0
    # Where the caller's latest step (a call, a key, silence, a transfer's end) began in `lines`.
    step_start: int = 0

    def start(self) -> CallPreview:
        return self.request("/voice")

    def request(self, url: str, extra: dict[str, str] | None = None) -> CallPreview:
        """Twilio requests `url` as a new step of the call (a webhook, or a Gather's action)."""
        self.step_start = len(self.lines)
        self._fetch(url, extra or {})
        return self

    @property
    def waiting(self) -> bool:
        """True when a menu is waiting for a key."""
        return self.gather is not None and not self.ended

    def heard(self) -> list[Line]:
        """What the caller heard since their latest step: spoken lines and recordings."""
        return [line for line in self.lines[self.step_start :] if line.kind in ("say", "play")]

    def press(self, key: str) -> CallPreview:
        if self.gather is None:
            raise PreviewError("no menu is waiting for a key")
        self.step_start = len(self.lines)
        self.lines.append(Line("press", key))
        self._fetch(self.gather.get("action") or self.url, {"Digits": key})
        return self

    def silence(self) -> CallPreview:
        if self.gather is None:
            raise PreviewError("no menu is waiting for a key")
        self.step_start = len(self.lines)
        self.lines.append(Line("silence"))
        self._run(self.rest)
        return self

    def office_answers(self, status: str) -> CallPreview:
        """The transfer ends with Twilio's DialCallStatus, such as completed or busy."""
        if self.dial is None:
            raise PreviewError("no transfer is under way")
        action, self.dial = self.dial.get("action"), None
        self.step_start = len(self.lines)
        self.lines.append(Line("transfer", f"the office's line: {status}"))
        if action:
            self._fetch(action, {"DialCallStatus": status})
        else:
            self._run(self.rest)
        return self

    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        return {
            "CallSid": self.call_sid,
            "AccountSid": "AC" + "0" * 32,
            "From": self.caller,
            "To": self.hotline,
            "Caller": self.caller,
            "Called": self.hotline,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **extra,
        }

    def _fetch(self, url: str, extra: dict[str, str]) -> None:
        self.documents += 1
        if self.documents > MAX_DOCUMENTS:
            raise PreviewError(f"the call never ends: more than {MAX_DOCUMENTS} documents")
        self.url = urljoin(self.url or self.client.public_url + "/", url)
        self.document = self.client.post(self.url, self._params(extra))
        self._run(list(self.document))

    def _run(self, verbs: list[ET.Element]) -> None:
        self.gather = self.dial = None
        for index, verb in enumerate(verbs):
            if verb.tag == "Gather":
                for inner in verb:
                    self._hear(inner)
                seconds = verb.get("timeout", "5")
                self.lines.append(Line("wait", f"waiting up to {seconds} s for a key"))
                self.gather, self.rest = verb, verbs[index + 1 :]
                return
            if verb.tag == "Redirect":
                self._fetch(verb.text or "", {})
                return
            if verb.tag == "Dial":
                caller_id = verb.get("callerId")
                shown = (
                    f"showing caller ID {caller_id}"
                    if caller_id
                    else "showing the caller's own number"
                )
                number = (verb.text or "").strip()
                self.lines.append(Line("transfer", f"transfer to {number} {shown}"))
                self.dial, self.rest = verb, verbs[index + 1 :]
                return
            if verb.tag in ("Hangup", "Reject"):
                self.lines.append(Line("hangup", "hang up"))
                self.ended = True
                return
            self._hear(verb)
        self.lines.append(Line("end", "the call ends"))
        self.ended = True

    def _hear(self, verb: ET.Element) -> None:
        if verb.tag == "Say":
            text = (verb.text or "").strip()
            self.lines.append(Line("say", text, verb.get("language"), verb.get("voice")))
        elif verb.tag == "Play":
            self.lines.append(Line("play", (verb.text or "").strip()))
        elif verb.tag == "Pause":
            self.lines.append(Line("pause", f"pause {verb.get('length', '1')} s"))
        else:
            raise PreviewError(f"<{verb.tag}> cannot be inside <Gather>")


@dataclass
class TextPreview:
    """One text conversation; the Flask client keeps the cookies as Twilio does per number."""

    client: SignedClient
    sent: int = 0
    # "whatsapp" writes both numbers as Twilio does for WhatsApp: whatsapp:+1…
    channel: str = SMS

    def send(self, body: str) -> list[str]:
        """Text `body` to the hotline; the replies, one per <Message>."""
        self.sent += 1
        prefix = WHATSAPP_PREFIX if self.channel == WHATSAPP else ""
        params = {
            "MessageSid": "SM" + f"{self.sent:032d}",
            "AccountSid": "AC" + "0" * 32,
            "From": prefix + CALLER_NUMBER,
            "To": prefix + HOTLINE_NUMBER,
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
        }
        document = self.client.post("/sms", params)
        replies = []
        for verb in document:
            if verb.tag != "Message":
                raise PreviewError(f"a text reply holds <{verb.tag}>, not only <Message>")
            replies.append(verb.text or "")
        return replies


def format_reply(replies: list[str], channel: str = SMS) -> list[str]:
    """The replies to one text as transcript lines, each message with its size.

    WhatsApp has no segments: each <Message> is one message, so only its length is shown.
    """
    if not replies:
        return ["< (no reply)"]
    lines = []
    for number, reply in enumerate(replies, 1):
        count = f" {number} of {len(replies)}," if len(replies) > 1 else ""
        if channel == WHATSAPP:
            lines.append(f"<{count} {len(reply)} characters, one WhatsApp message:")
        else:
            size = sms_size(reply)
            lines.append(
                f"<{count} {len(reply)} characters, {size.segments} segment(s), {size.encoding}:"
            )
        lines += [f"  {line}" if line else "" for line in reply.splitlines()]
    return lines


def start_call(app: Flask, token: str) -> CallPreview:
    """A call to the app; voice requests carry no cookies, as with Twilio."""
    return CallPreview(SignedClient(app.test_client(use_cookies=False), token)).start()


def start_text(app: Flask, token: str, channel: str = SMS) -> TextPreview:
    return TextPreview(SignedClient(app.test_client(), token), channel=channel)
