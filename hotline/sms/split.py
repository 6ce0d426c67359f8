"""Fit text into SMS: at most 1600 characters per <Message>, split where a reader would pause."""

from __future__ import annotations

import re

# Twilio refuses a <Message> body longer than this.
MAX_MESSAGE = 1600
# Pauses from strongest to weakest: paragraph, line, end of sentence, space.
_BREAKS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?…。؟])\s+"),
    re.compile(r"\s+"),
)


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut `text` into pieces of at most `limit` characters at the strongest pause available."""
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    return _split(text, limit, 0)


def _split(text: str, limit: int, level: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    if level == len(_BREAKS):
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    pattern = _BREAKS[level]
    pieces: list[str] = []
    current = ""
    for part, separator in _parts(text, pattern):
        candidate = current + separator + part if current else part
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if len(part) > limit:
            pieces.extend(_split(part, limit, level + 1))
            current = ""
        else:
            current = part
    if current:
        pieces.append(current)
    return pieces


def _parts(text: str, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    """Pieces of `text` between matches, each with the separator that came before it."""
    parts = []
    start = 0
    separator = ""
    for match in pattern.finditer(text):
        parts.append((text[start : match.start()], separator))
        separator = match.group()
        start = match.end()
    parts.append((text[start:], separator))
    return [(part, sep) for part, sep in parts if part]
