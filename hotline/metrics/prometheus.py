"""The usage counts in Prometheus' text format, and back."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hotline.metrics.counter import Count

NAME = "hotline_usage_total"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_SAMPLE = re.compile(
    rf'^{NAME}\{{day="([^"]*)",channel="([^"]*)",language="([^"]*)",item="([^"]*)"\}} (\d+)$'
)


# Said in the page when the shared store is not answering (chaos review D7): the figures are then
# one worker's, counted in its memory, and are added to Redis when it is back.
PARTIAL = (
    "# NOTE Redis is not answering: these are this worker's counts only, kept in its memory "
    "until Redis is back"
)


def render(counts: Iterable[Count], partial: bool = False) -> str:
    lines = [
        f"# HELP {NAME} Menu items reached, per day, channel and language. Nothing about callers.",
        f"# TYPE {NAME} counter",
    ]
    if partial:
        lines.insert(0, PARTIAL)
    lines += [
        f'{NAME}{{day="{c.day}",channel="{c.channel}",language="{c.language}",item="{c.item}"}} '
        f"{c.value}"
        for c in counts
    ]
    return "\n".join(lines) + "\n"


def parse(text: str) -> list[Count]:
    """The counts in a /metrics page; other lines are ignored."""
    counts = []
    for line in text.splitlines():
        match = _SAMPLE.match(line.strip())
        if match:
            day, channel, language, item, value = match.groups()
            counts.append(Count(day, channel, language, item, int(value)))
    return sorted(counts)
