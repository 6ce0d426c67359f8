"""A simulated phone call: drive the real voice webhooks and report what the caller would hear.

The console keeps the call's state (the signed position returned by each step), so the server
keeps nothing between key presses, exactly as with a real call. The state is signed so that a
tampered one is refused rather than followed.
"""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.test import TestResponse

PHONE_KEYS = frozenset("0123456789*#")
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
# A browser client as Twilio names one, not a phone number: no real number is ever sent, and
# the per-caller call limit (which counts only real numbers) leaves the console alone.
SIMULATED_CALLER = "client:staff-console"
SIMULATED_ACCOUNT_SID = "AC" + "0" * 32
# A redirect loop must end the simulated call instead of hanging the console.
MAX_DOCUMENTS_PER_STEP = 20
STATE_SALT = "hotline-staff-call"

Post = Callable[[str, dict[str, str]], TestResponse]


class BadState(Exception):
    """The call state sent back by the console is not one this server signed."""


@dataclass
class Step:
    """What happened from one action of the simulated caller until the call waits or ends."""

    events: list[dict[str, Any]] = field(default_factory=list)
    waiting: str | None = None
    state: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"events": self.events, "waiting": self.waiting, "state": self.state}


class CallSimulator:
    """Follows TwiML as Twilio does: Say and Play are heard, Gather waits, Redirect fetches."""

    def __init__(self, post: Post, secret_key: str, base_url: str, hotline_number: str) -> None:
        self._post = post
        self._signer = URLSafeSerializer(secret_key, salt=STATE_SALT)
        self._base_url = base_url
        self._to = hotline_number if E164.match(hotline_number) else ""
        # Each simulated call gets its own made-up SID, as each real call has its own.
        self._call_sid = "CA" + secrets.token_hex(16)

    # Caller actions ---------------------------------------------------------------------------

    def start(self) -> Step:
        step = Step()
        self._fetch(step, self._base_url + "/voice", {})
        return step

    def press(self, state: str, key: str) -> Step:
        position = self._position(state, "key")
        step = Step(events=[{"type": "key", "key": key}])
        self._fetch(step, position["action"], {"Digits": key})
        return step

    def silence(self, state: str) -> Step:
        position = self._position(state, "key")
        step = Step(events=[{"type": "silence", "seconds": position["timeout"]}])
        self._run(step, position["url"], list(ET.fromstring(position["rest"])), 0)
        return step

    def transfer_ends(self, state: str, status: str) -> Step:
        position = self._position(state, "transfer")
        step = Step(events=[{"type": "transfer_ended", "status": status}])
        if position["action"]:
            self._fetch(step, position["action"], {"DialCallStatus": status})
        else:
            self._run(step, position["url"], list(ET.fromstring(position["rest"])), 0)
        return step

    # Following TwiML --------------------------------------------------------------------------

    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        return {
            "CallSid": self._call_sid,
            "AccountSid": SIMULATED_ACCOUNT_SID,
            "From": SIMULATED_CALLER,
            "To": self._to,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **extra,
        }

    def _fetch(self, step: Step, url: str, extra: dict[str, str], documents: int = 0) -> None:
        if documents >= MAX_DOCUMENTS_PER_STEP:
            step.events.append({"type": "error", "message": "the call keeps redirecting; ended"})
            return
        step.events.append({"type": "fetch", "url": _path(url)})
        response = self._post(url, self._params(extra))
        if response.status_code != 200 or response.mimetype != "text/xml":
            step.events.append(
                {"type": "error", "message": f"the webhook answered HTTP {response.status_code}"}
            )
            return
        try:
            root = ET.fromstring(response.get_data())
        except ET.ParseError:
            step.events.append({"type": "error", "message": "the webhook's answer is not TwiML"})
            return
        self._run(step, url, list(root), documents + 1)

    def _run(self, step: Step, url: str, verbs: list[ET.Element], documents: int) -> None:
        for index, verb in enumerate(verbs):
            rest = verbs[index + 1 :]
            if verb.tag in ("Say", "Play", "Pause"):
                step.events.append(_heard(verb, url))
            elif verb.tag == "Gather":
                step.events.extend(_heard(inner, url) for inner in verb)
                timeout = int(verb.get("timeout") or 5)
                step.events.append({"type": "gather", "seconds": timeout})
                action = urljoin(url, verb.get("action") or url)
                self._wait(step, "key", url, action, rest, timeout)
                return
            elif verb.tag == "Redirect":
                self._fetch(step, urljoin(url, (verb.text or "").strip()), {}, documents)
                return
            elif verb.tag == "Dial":
                step.events.append(_dial(verb))
                action = urljoin(url, verb.get("action")) if verb.get("action") else ""
                self._wait(step, "transfer", url, action, rest, 0)
                return
            elif verb.tag == "Reject":
                step.events.append({"type": "rejected", "reason": verb.get("reason") or ""})
                return
            elif verb.tag == "Hangup":
                break
        step.events.append({"type": "hangup"})

    def _wait(
        self, step: Step, kind: str, url: str, action: str, rest: list[ET.Element], timeout: int
    ) -> None:
        remaining = ET.Element("Response")
        remaining.extend(rest)
        step.waiting = kind
        step.state = self._signer.dumps(
            {
                "kind": kind,
                "url": url,
                "action": action,
                "rest": ET.tostring(remaining, encoding="unicode"),
                "timeout": timeout,
                "call": self._call_sid,
            }
        )

    def _position(self, state: str, kind: str) -> dict[str, Any]:
        try:
            position = self._signer.loads(state)
        except BadSignature as error:
            raise BadState("this call state was not made by this server") from error
        if not isinstance(position, dict) or position.get("kind") != kind:
            raise BadState(f"the call is not waiting for a {kind}")
        self._call_sid = position["call"]
        return position


def _heard(verb: ET.Element, url: str) -> dict[str, Any]:
    if verb.tag == "Say":
        return {
            "type": "say",
            "text": verb.text or "",
            "language": verb.get("language") or "en-US",
            "voice": verb.get("voice") or "",
        }
    if verb.tag == "Play":
        # Twilio resolves a relative recording against the document's address; so does the page.
        return {"type": "play", "url": urljoin(url, (verb.text or "").strip())}
    return {"type": "pause", "seconds": int(verb.get("length") or 1)}


def _dial(verb: ET.Element) -> dict[str, Any]:
    number = verb.find("Number")
    return {
        "type": "dial",
        "number": ((number.text if number is not None else verb.text) or "").strip(),
        "caller_id": verb.get("callerId") or "",
        "seconds": int(verb.get("timeout") or 30),
    }


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
