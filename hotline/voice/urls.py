"""The relative URLs a call moves through.

The caller's language and place in the tree travel in these URLs, so no server keeps a record of
a call, and any instance can answer the next step. Nothing about the caller is ever put in them.
"""

from __future__ import annotations

from hotline.navigation import Trail


def trail_path(trail: Trail) -> str:
    return "/".join(trail)


def greeting(attempt: int = 1) -> str:
    return "/voice" if attempt == 1 else f"/voice?try={attempt}"


def choose_language(attempt: int) -> str:
    return f"/voice/language?try={attempt}"


def node(lang: str, trail: Trail, attempt: int = 1) -> str:
    url = f"/voice/node/{lang}/{trail_path(trail)}"
    return url if attempt == 1 else f"{url}?try={attempt}"


def key(lang: str, trail: Trail, attempt: int) -> str:
    return f"/voice/key/{lang}/{trail_path(trail)}?try={attempt}"


def office_result(lang: str, trail: Trail) -> str:
    return f"/voice/office-result/{lang}/{trail_path(trail)}"
