"""The addresses a call moves through, built by Flask from the voice blueprint's routes.

The caller's language and place in the tree travel in these URLs, so no server keeps a record of
a call, and any instance can answer the next step. Nothing about the caller is ever put in them.
Documents are rendered inside the request that first needs them and then cached, so these run
once per document and content version, not once per request.
"""

from __future__ import annotations

from flask import url_for

from hotline.navigation import Trail


def trail_path(trail: Trail) -> str:
    return "/".join(trail)


def _tries(attempt: int, always: bool = False) -> dict[str, int]:
    return {"try": attempt} if always or attempt != 1 else {}


def greeting(attempt: int = 1) -> str:
    return url_for("voice.greeting", **_tries(attempt))


def choose_language(attempt: int) -> str:
    return url_for("voice.choose_language", **_tries(attempt, always=True))


def node(lang: str, trail: Trail, attempt: int = 1) -> str:
    return url_for("voice.node", lang=lang, trail=trail_path(trail), **_tries(attempt))


def key(lang: str, trail: Trail, attempt: int) -> str:
    return url_for(
        "voice.key_press", lang=lang, trail=trail_path(trail), **_tries(attempt, always=True)
    )


def office_result(lang: str, trail: Trail) -> str:
    return url_for("voice.office_result", lang=lang, trail=trail_path(trail))
