"""The addresses of one channel's webhooks, and what answers when a handler fails."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hotline.webhooks.incoming import Incoming, Reply
from hotline.webhooks.line import Line

Handler = Callable[..., Reply]
# The language a failed request was in (if its address says), for the safe answer's wording.
Problem = Callable[[Line, Incoming, str | None], Reply]


@dataclass
class Routes:
    """Patterns below `prefix`, tried in order; their named groups are the handler's arguments.

    A pattern matches the whole rest of the path, and `.` never matches a line break, as in
    Flask's converters: an address with one is no address of ours.
    """

    name: str
    prefix: str
    table: list[tuple[str, Handler]]
    problem: Problem
    last_resort: str
    _compiled: list[tuple[re.Pattern[str], Handler]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._compiled = [
            (re.compile(re.escape(self.prefix) + pattern + r"\Z"), handler)
            for pattern, handler in self.table
        ]

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    def match(self, path: str) -> tuple[Handler, dict[str, Any]] | None:
        for pattern, handler in self._compiled:
            found = pattern.match(path)
            if found is not None:
                return handler, found.groupdict()
        return None
