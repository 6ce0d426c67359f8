"""What the console shows about the content and its use: the map, the problems and usage counts.

Usage comes from the same counters as /metrics; nothing here ever reads anything about a caller.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from flask import Flask

from hotline.content.load import load_content
from hotline.content.model import MAIN_MENU, Content
from hotline.content.problems import Problem
from hotline.content.store import ContentStore
from hotline.staff.sources import link_name

USAGE_SERIES = ("topic", "language", "channel", "day")


def _problem_index(store: ContentStore) -> dict[tuple[str, int], list[Problem]]:
    """Problems by (file name as linked, line), to flag the map nodes they are about."""
    index: dict[tuple[str, int], list[Problem]] = {}
    base = store.menus_dir.parent
    for problem in store.problems.sorted():
        link = _link(store, base / problem.file)
        if link:
            index.setdefault((link, problem.line), []).append(problem)
    return index


def _link(store: ContentStore, file: Path | str) -> str | None:
    return link_name(store.menus_dir, store.messages_dir, file)


def tree_map(store: ContentStore) -> dict[str, Any]:
    """The menu tree in every language, each node with its key, title, file and line."""
    content = store.content
    problems = _problem_index(store)
    return {
        "version": content.version,
        "keys": {
            "office": content.keys.office,
            "repeat": content.keys.repeat,
            "back": content.keys.back,
            "main_menu": content.keys.main_menu,
        },
        "languages": [
            {
                "code": lang.code,
                "key": lang.key,
                "name": content.translations[lang.code].name,
                "tree": _node(store, content, problems, lang.code, MAIN_MENU, "", ()),
            }
            for lang in content.languages
            if lang.code in content.translations
        ],
    }


def _node(
    store: ContentStore,
    content: Content,
    problems: dict[tuple[str, int], list[Problem]],
    code: str,
    node_id: str,
    key: str,
    above: tuple[str, ...],
) -> dict[str, Any]:
    translation = content.translations[code]
    menu = content.menus.get(node_id)
    definition = menu or content.messages.get(node_id)
    text = translation.menus.get(node_id) if menu else translation.messages.get(node_id)
    tree_file = _link(store, definition.file) if definition else None
    text_file = _link(store, translation.file)
    found = [
        *problems.get((tree_file or "", definition.line if definition else -1), []),
        *problems.get((text_file or "", text.line if text else -1), []),
    ]
    node: dict[str, Any] = {
        "id": node_id,
        "key": key,
        "kind": "menu" if menu else "message",
        "title": text.title if text else "",
        "missing": text is None,
        "review": getattr(text, "review", translation.review) if text else "",
        "tree_file": tree_file,
        "tree_line": definition.line if definition else 0,
        "text_file": text_file,
        "text_line": text.line if text else 0,
        "problems": [_problem(store, p) for p in found],
        "children": [],
    }
    if menu and node_id not in above:
        node["children"] = [
            _node(store, content, problems, code, option.target, option.key, (*above, node_id))
            for option in menu.options
        ]
    return node


def _problem(store: ContentStore, problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "severity": problem.severity.value,
        "message": problem.message,
        "hint": problem.hint,
        "link": _link(store, store.menus_dir.parent / problem.file),
    }


def problems(store: ContentStore) -> dict[str, Any]:
    """What `hotline check` says of the content in use, and of a newer edit that was rejected."""
    listed = [_problem(store, p) for p in store.problems.sorted()]
    result: dict[str, Any] = {
        "version": store.content.version,
        "problems": listed,
        "errors": sum(p["severity"] == "error" for p in listed),
        "warnings": sum(p["severity"] == "warning" for p in listed),
        "rejected": None,
    }
    rejection = store.rejected
    if rejection is not None:
        # The rejection keeps only counts; check the files as they are now to say what is wrong.
        edited = load_content(store.menus_dir, store.messages_dir, base=store.menus_dir.parent)
        result["rejected"] = {
            "version": rejection.version,
            "at": rejection.at.isoformat(timespec="seconds"),
            "errors": len(edited.problems.errors),
            "warnings": len(edited.problems.warnings),
            "problems": [_problem(store, p) for p in edited.problems.sorted()],
        }
    return result


def usage(app: Flask, store: ContentStore) -> dict[str, Any]:
    """Anonymous counts per topic, language, channel and day: the same figures as /metrics."""
    metrics = app.config.get("HOTLINE_METRICS")
    if metrics is None:
        return {"available": False, "reason": "usage counting is not switched on", "series": {}}
    totals: dict[str, Counter[str]] = {
        name: Counter() for name in ("topic", "language", "channel", "day")
    }
    for count in metrics.counts():
        totals["topic"][_item_label(store.content, count.item)] += count.value
        totals["language"][count.language] += count.value
        totals["channel"][count.channel] += count.value
        totals["day"][count.day] += count.value
    series = {
        name: [{"label": label, "count": value} for label, value in _ordered(name, counter)]
        for name, counter in totals.items()
    }
    return {"available": True, "reason": "", "series": series}


def _item_label(content: Content, item: str) -> str:
    """A menu item's title in the default language, so staff need not know its id."""
    translation = content.translations.get(content.default_language)
    texts = {**translation.menus, **translation.messages} if translation else {}
    text = texts.get(item)
    return f"{text.title} ({item})" if text and text.title else item


def _ordered(name: str, counter: Counter[str]) -> list[tuple[str, int]]:
    # Days read best in date order; everything else from most to least used.
    return sorted(counter.items()) if name == "day" else counter.most_common()
