"""Placeholders in staff-written texts ({office_phone}...): which are used, and which may be."""

from __future__ import annotations

import string

from hotline.content.problems import ProblemList

_FORMATTER = string.Formatter()


def placeholders_in(text: str) -> set[str] | None:
    """The {names} used in a text, or None when its braces are malformed."""
    try:
        return {name for _, name, _, _ in _FORMATTER.parse(text) if name is not None}
    except ValueError:
        return None


def check_placeholders(
    problems: ProblemList,
    file: str,
    line: int | None,
    what: str,
    text: str,
    allowed: frozenset[str],
    required: frozenset[str] = frozenset(),
) -> None:
    """Report malformed braces, placeholders `what` cannot fill, and required ones left out."""
    used = placeholders_in(text)
    if used is None:
        problems.error(
            file,
            line,
            f"{what} has an unmatched {{ or }}",
            "placeholders look like {office_phone}; write other braces as {{ and }}",
        )
        return
    for name in sorted(used - allowed):
        problems.error(
            file,
            line,
            f"{what} uses {{{name}}}, which it cannot fill",
            f"it may use: {', '.join('{' + a + '}' for a in sorted(allowed)) or 'no placeholders'}",
        )
    for name in sorted(required - used):
        problems.error(
            file,
            line,
            f"{what} does not use {{{name}}}",
            f"texters must always read it here; add {{{name}}} to the sentence",
        )
