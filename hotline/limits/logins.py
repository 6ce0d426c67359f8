"""Failed logins at the staff console and /metrics, throttled per client in the shared store.

A client that gets the password wrong MOST_FAILURES times in a quarter hour is refused until the
quarter hour ends, whatever it sends: guessing then runs at 40 tries an hour instead of ~900 a
second. Clients are counted under a keyed code of their address (new every window), and failures
are logged with that code, never with what was typed.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Response

from hotline.limits.backends import Backend
from hotline.limits.step import Counter, Outcome, Step
from hotline.privacy import CallerKeys

log = logging.getLogger(__name__)

MOST_FAILURES = 10
WINDOW_SECONDS = 900


@dataclass(frozen=True)
class Door:
    """A client at one door (such as 'staff' or 'metrics') in the current window."""

    counter: Counter
    code: str
    seconds_left: int


class LoginThrottle:
    def __init__(
        self, backend: Backend, keys: CallerKeys, clock: Callable[[], float] = time.time
    ) -> None:
        self.backend = backend
        self.keys = keys
        self._clock = clock

    def door(self, name: str, client: str) -> Door:
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        ends_at = (window + 1) * WINDOW_SECONDS
        code = self.keys.key(f"login:{name}:{window}", client)
        counter = Counter(f"hotline:logins:{name}:{window}:{code}", ends_at)
        return Door(counter, code[:8], math.ceil(ends_at - now))

    def locked(self, door: Door) -> bool:
        """True when this client is refused at this door until the window ends."""
        return self.backend.peek(door.counter.key) >= MOST_FAILURES

    def failed(self, door: Door, name: str) -> None:
        """Count and log one wrong password (never the guess itself)."""
        before = self.backend.peek(door.counter.key)
        self.backend.run(Step(None, (Outcome("failed", counts=(door.counter,)),)))
        failures = before + 1
        if failures >= MOST_FAILURES:
            log.warning(
                "%s: a wrong password from client %s, %d times this quarter hour; it is refused "
                "for the next %d minutes",
                name,
                door.code,
                failures,
                math.ceil(door.seconds_left / 60),
            )
        else:
            log.warning(
                "%s: a wrong password from client %s (%d of %d this quarter hour before it is "
                "refused)",
                name,
                door.code,
                failures,
                MOST_FAILURES,
            )


def too_many(door: Door) -> Response:
    """429 with the wait: a person at the door knows what happened and when to come back."""
    minutes = math.ceil(door.seconds_left / 60)
    return Response(
        f"Too many wrong passwords from this address. Try again in {minutes} minute"
        f"{'s' if minutes != 1 else ''}.\n",
        status=429,
        mimetype="text/plain",
        headers={"Retry-After": str(door.seconds_left), "Cache-Control": "no-store"},
    )
