"""A webhook's whole business with the shared store, as one atomic and idempotent step.

A step names a replay key (a keyed code of what Twilio repeats when it retries the webhook) and
the outcomes the webhook may have, in order of preference. The store takes the first outcome
whose limits all hold, adds one to that outcome's counters, and remembers the outcome under the
replay key; a replay of the webhook gets the remembered outcome and adds nothing. In Redis this
is one Lua script: one round trip, and a step sent twice (a timeout, then a second try) is still
counted once.

Every expiry is a fixed boundary (the end of a window or of a day), never "so long after the last
change", so the time a key was last touched cannot be read from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Counter:
    """A count under `key` that ends at `expires_at` (Unix seconds) whenever it is added to."""

    key: str
    expires_at: int


@dataclass(frozen=True)
class Limit:
    """The outcome holds only if the counter, once one is added, is within least..most."""

    counter: Counter
    most: int
    least: int = 1


@dataclass(frozen=True)
class Outcome:
    name: str
    limits: tuple[Limit, ...] = ()
    # Added to when this outcome is taken, with no bound (usage figures).
    counts: tuple[Counter, ...] = ()

    def counters(self) -> tuple[Counter, ...]:
        """Every counter taking this outcome adds one to."""
        return tuple(limit.counter for limit in self.limits) + self.counts


@dataclass(frozen=True)
class Step:
    # The remembered outcome's key and expiry; None when the webhook has nothing to replay by.
    replay: Counter | None
    outcomes: tuple[Outcome, ...]


# The outcome when none of a step's outcomes holds (a step should end with one that always does).
NOTHING = ""


@dataclass(frozen=True)
class Result:
    outcome: str
    # False when the step was a replay of one already taken: nothing was added.
    first: bool = True
    # The counters this step added to (empty for a replay), for the store's own bookkeeping.
    added: tuple[Counter, ...] = field(default=(), compare=False)


def choose(step: Step, count_now: dict[str, int]) -> Outcome | None:
    """The first outcome whose limits hold, given each counter's present value."""
    for outcome in step.outcomes:
        if all(
            limit.least <= count_now.get(limit.counter.key, 0) + 1 <= limit.most
            for limit in outcome.limits
        ):
            return outcome
    return None


def as_script_arguments(step: Step) -> tuple[list[str], list[str]]:
    """KEYS and ARGV for step.lua: every key once, and the outcomes as JSON pointing at them."""
    keys: list[str] = []
    index: dict[str, int] = {}

    def at(key: str) -> int:
        if key not in index:
            keys.append(key)
            index[key] = len(keys)  # Lua counts from 1
        return index[key]

    replay = [at(step.replay.key), step.replay.expires_at] if step.replay else False
    outcomes = [
        {
            "name": outcome.name,
            "limits": [
                [at(limit.counter.key), limit.counter.expires_at, limit.least, limit.most]
                for limit in outcome.limits
            ],
            "counts": [[at(counter.key), counter.expires_at] for counter in outcome.counts],
        }
        for outcome in step.outcomes
    ]
    return keys, [json.dumps({"replay": replay, "outcomes": outcomes}, separators=(",", ":"))]


def as_repayment(step: Step, result: Result) -> Step:
    """The step as taken in memory, to add to Redis once it answers: the same replay key, so
    that if Redis did receive the original before it stopped answering, nothing is added twice.
    """
    return Step(step.replay, (Outcome(result.outcome, counts=result.added),))
