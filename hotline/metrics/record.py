"""Counting from the webhook views: only the content's own ids, once per webhook, never failing.

Views pass the language and place from the URL (or the conversation), never anything about the
caller.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from hotline.content.model import MAIN_MENU, Content
from hotline.navigation import GoTo, Repeat, ToOffice, Trail, step_at, valid_trail
from hotline.sms.session import Conversation

if TYPE_CHECKING:
    from hotline.services import Services

log = logging.getLogger(__name__)
NO_LANGUAGE = "none"
# Events that are not a place in the tree.
START = "start"
OFFICE = "office"
BUSY = "busy"
STOP = "stop"
EVENTS = frozenset({START, OFFICE, BUSY, STOP, "sms-limited", "sms-ceiling", "sms-foreign"})


def count(
    services: Services,
    channel: str,
    language: str | None,
    item: str | None,
    first: bool | None = None,
    *,
    replay: str | None = None,
    simulated: bool = False,
) -> None:
    """Count one visit to `item` in `language`, unless this webhook is a replay.

    `first` is what a limit's decision already found out (True: first delivery; False: a
    replay); None makes the count find out with a replay claim of its own, on `replay` (what a
    retry of this webhook repeats; see limits.web.replay_id).
    """
    if item is None:
        return
    try:
        # Staff trying the line in the console are not residents using it.
        if simulated:
            return
        content = services.store.content
        if language is not None and content.language(language) is None:
            return
        if item not in EVENTS and item not in content.menus and item not in content.messages:
            return
        if first is False:
            return
        if first is None:
            claim = None if replay is None else f"usage\x00{item}\x00{replay}"
            if not services.limits.first_time(claim):
                return
        services.metrics.count(channel, language or NO_LANGUAGE, item)
    except Exception:
        log.exception("a visit could not be counted; the caller was answered")


def conversation_item(conversation: Conversation | None) -> tuple[str | None, str | None]:
    """Where a text left the texter; a conversation that ended is a STOP."""
    if conversation is None:
        return None, STOP
    return conversation.language, conversation.trail[-1]


def chosen_language(content: Content, digits: str) -> tuple[str | None, str | None]:
    """The language a key at the greeting chose, and its main menu; or nothing."""
    language = content.language_for_key(digits)
    return (language.code, MAIN_MENU) if language else (None, None)


def node_item(content: Content, trail: Trail) -> str | None:
    """The menu or message at a place in the tree, if it is one."""
    checked = valid_trail(content, trail)
    return checked[-1] if checked else None


def key_item(content: Content, trail: Trail, digits: str) -> str | None:
    """Where a key pressed at `trail` leads: a menu, a message, the office, or nowhere."""
    step = step_at(content, trail, digits)
    if isinstance(step, GoTo | Repeat):
        return step.trail[-1]
    return OFFICE if isinstance(step, ToOffice) else None
