"""Counting from the webhook views: only the content's own ids, once per webhook, never failing.

Views pass the language and place from the URL (or the conversation), never anything about the
caller.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from hotline.content.model import MAIN_MENU, Content
from hotline.limits.step import Counter
from hotline.limits.web import visit
from hotline.navigation import GoTo, Repeat, ToOffice, Trail, move_at, valid_trail
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


def usage(
    services: Services, channel: str, language: str | None, item: str | None
) -> Counter | None:
    """Today's counter for a visit to `item` in `language`, if both are the content's own."""
    if item is None:
        return None
    try:
        content = services.store.content
        if language is not None and content.language(language) is None:
            return None
        if item not in EVENTS and item not in content.menus and item not in content.messages:
            return None
        return services.metrics.counter(channel, language or NO_LANGUAGE, item)
    except Exception:
        log.exception("a visit could not be counted; the caller was answered")
        return None


def count(
    services: Services,
    channel: str,
    language: str | None,
    item: str | None,
    *,
    replay: str | None,
    simulated: bool = False,
) -> None:
    """Count one visit to `item` in `language`, once however often the webhook is replayed
    (`replay`: what a retry repeats, see limits.web.replay_id). Simulations count nothing."""
    visit(services.limits, replay, usage(services, channel, language, item), simulated)


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
    step = move_at(content, trail, digits)
    if isinstance(step, GoTo | Repeat):
        return step.trail[-1]
    return OFFICE if isinstance(step, ToOffice) else None
