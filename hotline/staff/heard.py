"""Where a simulated caller or texter now is, and what staff need to judge what they just heard.

For the console's phone and text simulators: the menu or message just said or sent, its review
state, and the source paragraphs it summarises, word for word, so staff can check a summary
against the city's own words while they listen. Nothing here is about a caller: the place comes
from the simulated call's next address or the simulated conversation's cookie.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException

from hotline.content.model import Content
from hotline.navigation import MAIN, OFFICE_PAGE, Trail, valid_trail
from hotline.sms.session import ConversationCookies

# The voice routes whose address carries the caller's language and place in the tree.
PLACE_ENDPOINTS = frozenset({"voice.node", "voice.key_press", "voice.office_result"})


def call_place(app: Flask, address: str) -> tuple[str, Trail] | None:
    """The language and place a call's next address (a <Gather>'s or <Dial>'s action) names."""
    path = urlsplit(address).path
    try:
        endpoint, values = app.url_map.bind("hotline.invalid").match(path, method="POST")
    except HTTPException:
        return None
    if endpoint not in PLACE_ENDPOINTS:
        return None  # the greeting, the language choice: no place in the tree yet
    return str(values["lang"]), tuple(str(values["trail"]).split("/"))


def text_place(cookies: ConversationCookies, cookie: str) -> tuple[str, Trail] | None:
    """The language and place a conversation's cookie keeps, if it is one this line signed."""
    place = cookies.loads(cookie) if cookie else None
    if not place:
        return None
    code, *trail = place
    return code, tuple(trail) or MAIN


def place_json(content: Content, place: tuple[str, Trail] | None) -> dict[str, Any] | None:
    """The node at `place`, in its language: title, kind, review state and the cited words."""
    if place is None:
        return None
    code, trail = place
    translation = content.translations.get(code)
    checked = valid_trail(content, trail)
    if translation is None or checked is None:
        return None
    node_id = checked[-1]
    base: dict[str, Any] = {
        "language": code,
        "language_review": translation.review,
        "trail": list(checked),
    }
    if node_id == OFFICE_PAGE:
        return base | {"id": node_id, "kind": "office", "title": "", "review": "", "cited": []}
    if node_id in content.menus:
        menu = translation.menus.get(node_id)
        title = menu.title if menu else ""
        return base | {
            "id": node_id,
            "kind": "menu",
            "title": title,
            "review": translation.review,
            "cited": [],
        }
    text = translation.messages.get(node_id)
    return base | {
        "id": node_id,
        "kind": "message",
        "title": text.title if text else "",
        "review": text.review if text else "",
        "source": content.messages[node_id].source,
        "cited": cited_json(content, node_id),
    }


def cited_json(content: Content, message_id: str) -> list[dict[str, str]]:
    """What the message summarises: each cited passage's text, beside the source's title."""
    if message_id not in content.messages:
        return []
    return [
        {"citation": str(citation), "title": source.title, "text": source.text(citation)}
        for source, citation in content.cited(message_id)
    ]
