"""Walks of the menu tree for tests, written independently of the package's own checks."""

from __future__ import annotations

from hotline.content.model import MAIN_MENU, Content


def key_trails(content: Content) -> dict[str, list[str]]:
    """Every node reachable from the main menu with the fewest keys that reach it."""
    trails: dict[str, list[str]] = {MAIN_MENU: []}
    queue = [MAIN_MENU]
    while queue:
        menu = content.menus.get(queue.pop(0))
        for option in menu.options if menu else ():
            if option.target not in trails:
                trails[option.target] = [*trails[menu.id], option.key]
                queue.append(option.target)
    return trails


def presses(content: Content) -> dict[str, int]:
    """How many key presses from the main menu reach each menu and message (fewest)."""
    return {node: len(keys) for node, keys in key_trails(content).items()}
