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
# The office's own place at the end of a trail: where the office key leads by voice. Not a content
# id (ids start with a letter or digit), so no menu or message can take its name.
OFFICE_PAGE = "_office"


@dataclass(frozen=True)
class GoTo:
    trail: Trail


@dataclass(frozen=True)
class Repeat:
    trail: Trail


@dataclass(frozen=True)
class ToOffice:
    """Connect to the office (by text: its number and email) from `trail`."""

    trail: Trail


@dataclass(frozen=True)
class OfficePage(ToOffice):
    """The office key at `trail`: by voice, first the office's number, email and how to connect."""


@dataclass(frozen=True)
class NotAnOption:
    trail: Trail


# What a key press does: one word for it, as `Step` is the limits store's (hotline.limits.step).
Move = GoTo | Repeat | ToOffice | NotAnOption


def valid_trail(content: Content, trail: Sequence[str]) -> Trail | None:
    """The trail if each step is an option of the menu before it, else None."""
    if trail and trail[-1] == OFFICE_PAGE:
        place = valid_trail(content, trail[:-1])
        return None if place is None else (*place, OFFICE_PAGE)
    if not trail or trail[0] != MAIN_MENU:
        return None
    for parent, child in itertools.pairwise(trail):
        menu = content.menus.get(parent)
        if menu is None or all(option.target != child for option in menu.options):
            return None
    return tuple(trail)


def is_menu(content: Content, trail: Trail) -> bool:
    return trail[-1] in content.menus


def is_office_page(trail: Trail) -> bool:
    return trail[-1] == OFFICE_PAGE


def move_at(content: Content, trail: Sequence[str], key: str) -> Move | None:
    """What pressing `key` does at `trail`; None when the trail is not a place in the tree."""
    checked = valid_trail(content, trail)
    return None if checked is None else press(content, checked, key[:1])


def press(content: Content, trail: Trail, key: str) -> Move:
    """What pressing `key` at `trail` does. Navigation keys win over menu options.

    After a message, a key that is not a navigation key picks from the menu above it, the last
    list of options the caller heard (or the texter read).
    """
    keys = content.keys
    if is_office_page(trail):
        place = trail[:-1]
        if key == keys.office:
            return ToOffice(place)
        if key in (keys.repeat, keys.back, keys.main_menu):
            return _navigate(content, trail, key)
        # Any other key means what it means where the caller pressed the office key.
        step = press(content, place, key)
        return NotAnOption(trail) if isinstance(step, NotAnOption) else step
    if key == keys.office:
        return OfficePage(trail)
    return _navigate(content, trail, key)


def _navigate(content: Content, trail: Trail, key: str) -> Move:
    keys = content.keys
    if key == keys.repeat:
        return Repeat(trail)
    if key == keys.back:
        return GoTo(trail[:-1] or MAIN)
    if key == keys.main_menu:
        return GoTo(MAIN)
    menu_trail = trail if is_menu(content, trail) else trail[:-1]
    menu = content.menus.get(menu_trail[-1]) if menu_trail else None
    target = menu.target_for(key) if menu else None
    if target is None:
        return NotAnOption(trail)
    return GoTo((*menu_trail, target))


def shortest_trails(content: Content) -> dict[str, Trail]:
    """The shortest trail from the main menu to every reachable node, in the order found."""
    return dict(content.walk.trails)
