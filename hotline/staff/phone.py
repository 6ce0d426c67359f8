"""A simulated phone call: the Twilio emulator on the real voice webhooks, for the console.

The console keeps the call's position (signed, so a tampered one is refused rather than
followed) and sends it back with each key, so the server keeps nothing between key presses,
exactly as with a real call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from hotline.emulator import Call, EmulatorError, Poster, Waiting, new_sid
from hotline.phone import E164

PHONE_KEYS = frozenset("0123456789*#")
# A browser client as Twilio names one, not a phone number: no real number is ever sent.
SIMULATED_CALLER = "client:staff-console"
STATE_SALT = "hotline-staff-call"


class BadState(Exception):
    """The call state sent back by the console is not one this server signed."""


@dataclass(frozen=True)
class StepResult:
    """What the caller lived through since their latest action, and where the call waits."""

    call: Call
    state: str | None

    def as_json(self) -> dict[str, Any]:
        waiting = self.call.waiting
        return {
            "events": [event.as_json() for event in self.call.step],
            "waiting": waiting.kind if waiting is not None else None,
            "state": self.state,
        }


class CallSimulator:
    """Starts or resumes one simulated call; each action returns a StepResult."""

    def __init__(self, poster: Poster, secret_key: str | list[str], hotline_number: str) -> None:
        self._poster = poster
        self._signer = URLSafeSerializer(secret_key, salt=STATE_SALT)
        self._to = hotline_number if E164.match(hotline_number) else ""

    def start(self) -> StepResult:
        return self._result(self._call(new_sid("CA")).start())

    def press(self, state: str, key: str) -> StepResult:
        return self._result(self._resume(state, "key").press(key))

    def silence(self, state: str) -> StepResult:
        return self._result(self._resume(state, "key").silence())

    def transfer_ends(self, state: str, status: str) -> StepResult:
        return self._result(self._resume(state, "transfer").transfer_ends(status))

    def _call(self, sid: str, waiting: Waiting | None = None) -> Call:
        return Call(
            self._poster, SIMULATED_CALLER, self._to, sid, raise_errors=False, waiting=waiting
        )

    def _resume(self, state: str, kind: str) -> Call:
        try:
            position = self._signer.loads(state)
            waiting = Waiting.from_json(position["waiting"])
            sid = str(position["call"])
        except BadSignature as error:
            raise BadState("this call state was not made by this server") from error
        except (EmulatorError, KeyError, TypeError) as error:
            raise BadState("this call state is not a call's position") from error
        if waiting.kind != kind:
            raise BadState(f"the call is not waiting for a {kind}")
        call = self._call(sid, waiting)
        call.url = waiting.url
        return call

    def _result(self, call: Call) -> StepResult:
        if call.waiting is None:
            return StepResult(call, None)
        state = self._signer.dumps({"waiting": call.waiting.as_json(), "call": call.sid})
        return StepResult(call, state)
