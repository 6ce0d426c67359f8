"""Moving through the menu tree by key, shared by the voice and text channels.

A position is a trail of ids from the main menu, such as ("main", "police", "police-role"), so
'back' returns to whichever menu the caller came from.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from hotline.content.model import MAIN_MENU, Content

Trail = tuple[str, ...]
MAIN: Trail = (MAIN_MENU,)


@dataclass(frozen=True)
class GoTo:
    trail: Trail


@dataclass(frozen=True)
class Repeat:
    trail: Trail


@dataclass(frozen=True)
class ToOffice:
    trail: Trail


@dataclass(frozen=True)
class NotAnOption:
    trail: Trail


Step = GoTo | Repeat | ToOffice | NotAnOption


def valid_trail(content: Content, trail: Sequence[str]) -> Trail | None:
    """The trail if each step is an option of the menu before it, else None."""
    if not trail or trail[0] != MAIN_MENU:
        return None
    for parent, child in itertools.pairwise(trail):
        menu = content.menus.get(parent)
        if menu is None or all(option.target != child for option in menu.options):
            return None
    return tuple(trail)


def is_menu(content: Content, trail: Trail) -> bool:
    return trail[-1] in content.menus


def step_at(content: Content, trail: Sequence[str], key: str) -> Step | None:
    """What pressing `key` does at `trail`; None when the trail is not a place in the tree."""
    checked = valid_trail(content, trail)
    return None if checked is None else press(content, checked, key[:1])


def press(content: Content, trail: Trail, key: str) -> Step:
    """What pressing `key` at `trail` does. Navigation keys win over menu options."""
    keys = content.keys
    if key == keys.office:
        return ToOffice(trail)
    if key == keys.repeat:
        return Repeat(trail)
    if key == keys.back:
        return GoTo(trail[:-1] or MAIN)
    if key == keys.main_menu:
        return GoTo(MAIN)
    menu = content.menus.get(trail[-1])
    target = menu.target_for(key) if menu else None
    if target is None:
        return NotAnOption(trail)
    return GoTo((*trail, target))
