"""Reply codes that name a place in the tree on their own, so WhatsApp needs no memory.

Twilio documents its conversation cookie for SMS webhooks only ("may not reflect the behaviour
of webhooks associated with other Twilio products"), so a WhatsApp conversation cannot count on
it. Each numbered option in a WhatsApp reply is therefore written as the keys a caller would
press on the phone from the greeting: the language's key, then each menu's key. In Portuguese
(key 3), services (2) then its first message (1) is `321`. Whoever sends `321` gets that message
in Portuguese, with or without a cookie, and nothing about the sender is kept anywhere.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from hotline.content.model import Content
from hotline.navigation import MAIN, GoTo, Repeat, ToOffice, Trail, press

# ASCII digits (keys on a keypad), perhaps grouped as people type them ("3 2 1", "3.2.1", "32-1").
_CODE = re.compile(r"^\s*[0-9](?:[\s.\-]*[0-9])+\s*$")


@dataclass(frozen=True)
class Place:
    """Where a code leads: a language, a place in the tree, and whether it asks for the office."""

    language: str
    trail: Trail
    office: bool = False


def code_for(content: Content, language: str, trail: Trail, key: str) -> str:
    """The code of option `key` in the menu at `trail`, in `language`."""
    lang = content.language(language)
    keys = [lang.key if lang else ""]
    for parent, child in itertools.pairwise(trail):
        menu = content.menus[parent]
        keys.append(next(option.key for option in menu.options if option.target == child))
    return "".join(keys) + key


def place_of(content: Content, body: str) -> Place | None:
    """The place a code names, or None when `body` is not a code of this tree."""
    if not _CODE.match(body):
        return None
    digits = re.sub(r"[^0-9]", "", body)
    language = content.language_for_key(digits[0])
    if language is None:
        return None
    trail = MAIN
    for key in digits[1:-1]:
        step = press(content, trail, key)
        if not isinstance(step, GoTo | Repeat):
            return None
        trail = step.trail
    step = press(content, trail, digits[-1])
    if isinstance(step, ToOffice):
        return Place(language.code, trail, office=True)
    if isinstance(step, GoTo | Repeat):
        return Place(language.code, step.trail)
    return None
