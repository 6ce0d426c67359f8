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
    lines: list[Line] = field(default_factory=list)
    url: str = PUBLIC_URL + "/voice"
    gather: ET.Element | None = None
    dial: ET.Element | None = None
    rest: list[ET.Element] = field(default_factory=list)
    ended: bool = False
    documents: int = 0

    def start(self) -> CallPreview:
        self._fetch(PUBLIC_URL + "/voice", {})
        return self

    @property
    def waiting(self) -> bool:
        """True when a menu is waiting for a key."""
        return self.gather is not None and not self.ended

    def press(self, key: str) -> None:
        if self.gather is None:
            raise PreviewError("no menu is waiting for a key")
        self.lines.append(Line("press", key))
        self._fetch(self.gather.get("action") or self.url, {"Digits": key})

    def silence(self) -> None:
        if self.gather is None:
            raise PreviewError("no menu is waiting for a key")
        self.lines.append(Line("silence"))
        self._run(self.rest)

    def office_answers(self, status: str) -> None:
        """The transfer ends with Twilio's DialCallStatus, such as completed or busy."""
        if self.dial is None:
            raise PreviewError("no transfer is under way")
        action, self.dial = self.dial.get("action"), None
        self.lines.append(Line("transfer", f"the office's line: {status}"))
        if action:
            self._fetch(action, {"DialCallStatus": status})
        else:
            self._run(self.rest)

    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        return {
            "CallSid": "CA" + "0" * 32,
            "AccountSid": "AC" + "0" * 32,
            "From": CALLER_NUMBER,
            "To": HOTLINE_NUMBER,
            "Caller": CALLER_NUMBER,
            "Called": HOTLINE_NUMBER,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **extra,
        }

    def _fetch(self, url: str, extra: dict[str, str]) -> None:
        self.documents += 1
        if self.documents > MAX_DOCUMENTS:
            raise PreviewError(f"the call never ends: more than {MAX_DOCUMENTS} documents")
        self.url = urljoin(self.url, url)
        self._run(list(self.client.post(self.url, self._params(extra))))

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
            self.lines.append(Line("say", (verb.text or "").strip(), verb.get("language")))
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

    def send(self, body: str) -> list[str]:
        """Text `body` to the hotline; the replies, one per <Message>."""
        self.sent += 1
        params = {
            "MessageSid": "SM" + f"{self.sent:032d}",
            "AccountSid": "AC" + "0" * 32,
            "From": CALLER_NUMBER,
            "To": HOTLINE_NUMBER,
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


def format_reply(replies: list[str]) -> list[str]:
    """The replies to one text as transcript lines, each message with its size."""
    if not replies:
        return ["< (no reply)"]
    lines = []
    for number, reply in enumerate(replies, 1):
        size = sms_size(reply)
        count = f" {number} of {len(replies)}," if len(replies) > 1 else ""
        lines.append(
            f"<{count} {len(reply)} characters, {size.segments} segment(s), {size.encoding}:"
        )
        lines += [f"  {line}" if line else "" for line in reply.splitlines()]
    return lines


def start_call(app: Flask, token: str) -> CallPreview:
    """A call to the app; voice requests carry no cookies, as with Twilio."""
    return CallPreview(SignedClient(app.test_client(use_cookies=False), token)).start()


def start_text(app: Flask, token: str) -> TextPreview:
    return TextPreview(SignedClient(app.test_client(), token))
