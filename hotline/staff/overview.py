"""What the console shows about the content and its use: the map, the problems and usage counts.

Usage comes from the same counters as /metrics; nothing here ever reads anything about a caller.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from flask import Flask

from hotline import treemap
from hotline.content.load import load_content
from hotline.content.model import MAIN_MENU, Content, MenuText, MessageText
from hotline.content.problems import Problem
from hotline.content.store import ContentStore
from hotline.metrics import Metrics
from hotline.services import services_of
from hotline.staff.heard import cited_json
from hotline.staff.sources import link_name
from hotline.staff.sources import read as read_source
from hotline.treesvg import tree_svg, usage_by_item


class _NodeProblems:
    """Finds the problems inside a node's block of YAML, so the map can flag that node."""

    def __init__(self, store: ContentStore) -> None:
        self._store = store
        self._by_file: dict[str, list[Problem]] = {}
        self._lines: dict[str, list[str]] = {}
        for problem in store.checked().sorted():
            link = _link(store, store.menus_dir.parent / problem.file)
            if link:
                self._by_file.setdefault(link, []).append(problem)

    def within(self, link: str | None, line: int) -> list[Problem]:
        if not link or not line or link not in self._by_file:
            return []
        last = _block_end(self._file_lines(link), line)
        return [p for p in self._by_file[link] if line <= p.line <= last]

    def _file_lines(self, link: str) -> list[str]:
        if link not in self._lines:
            store = self._store
            self._lines[link] = read_source(store.menus_dir, store.messages_dir, link) or []
        return self._lines[link]


def _block_end(lines: list[str], start: int) -> int:
    """The last line of the YAML block that starts at line `start` (counted from 1)."""
    if not 0 < start <= len(lines):
        return start
    indent = _indent(lines[start - 1])
    last = start
    for number in range(start + 1, len(lines) + 1):
        text = lines[number - 1]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        if _indent(text) <= indent:
            break
        last = number
    return last


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _link(store: ContentStore, file: Path | str) -> str | None:
    return link_name(store.menus_dir, store.messages_dir, file)


def tree_map(store: ContentStore, metrics: Metrics | None = None) -> dict[str, Any]:
    """The menu tree in every language, each node with its key, title, file and line, its
    sources and review state, and the tree as a picture coloured by the last 30 days' use."""
    content = store.content
    problems = _NodeProblems(store)
    counts = metrics.counts() if metrics is not None else []
    today = dt.date.fromisoformat(metrics.today()) if metrics is not None else dt.date.today()
    return {
        "version": content.version,
        "default_language": content.default_language,
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
                # The same drawing as `hotline map --format mermaid`, to paste into a document.
                "mermaid": treemap.tree_map(content, lang.code, "mermaid"),
                # The same picture as `hotline map --format svg`, with the heat of recent use.
                "svg": tree_svg(content, lang.code, usage_by_item(counts, today, lang.code)),
            }
            for lang in content.languages
            if lang.code in content.translations
        ],
    }


def _node(
    store: ContentStore,
    content: Content,
    problems: _NodeProblems,
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
        *problems.within(tree_file, definition.line if definition else 0),
        *problems.within(text_file, text.line if text else 0),
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
        "problems": [problem_json(store, p) for p in found],
        "source": getattr(definition, "source", "") if not menu else "",
        "cited": [] if menu else cited_json(content, node_id),
        "edit": _editable(text_file, "menus" if menu else "messages", node_id, text),
        "children": [],
    }
    if menu and node_id not in above:
        node["children"] = [
            _node(store, content, problems, code, option.target, option.key, (*above, node_id))
            for option in menu.options
        ]
    return node


# The texts staff may edit in the console, per kind of node, in the order they are shown.
EDITABLE_FIELDS = {"menus": ("title", "intro"), "messages": ("title", "voice", "text")}


def _editable(
    text_file: str | None, section: str, node_id: str, text: MenuText | MessageText | None
) -> dict[str, Any] | None:
    """Where the node's texts are in its language file, and their published values."""
    if text is None or text_file is None:
        return None
    fields = [(name, getattr(text, name)) for name in EDITABLE_FIELDS[section]]
    return {
        "file": text_file,
        "path": [section, node_id],
        # A list, not an object: JSON objects lose their order on the way to the page.
        "fields": [{"name": name, "value": value} for name, value in fields if value],
    }


def problem_json(store: ContentStore, problem: Problem, base: Path | None = None) -> dict[str, Any]:
    """A problem for the page; `base` is the folder its file name is relative to (a draft's)."""
    link = _link(store, store.menus_dir.parent / problem.file)
    if base is not None:
        # A draft's files mirror the content folders: link to the published file of that name
        # (the page shows a file the draft changed from the draft's own text instead).
        link = problem.file if (base / problem.file).parent.name in ("menus", "messages") else None
    return {
        "file": problem.file,
        "line": problem.line,
        "severity": problem.severity.value,
        "message": problem.message,
        "hint": problem.hint,
        "link": link,
    }


def problems(store: ContentStore) -> dict[str, Any]:
    """What `hotline check` says of the content in use, and of a newer edit that was rejected."""
    listed = [problem_json(store, p) for p in store.checked().sorted()]
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
        edited = load_content(
            store.menus_dir, store.messages_dir, store.menus_dir.parent, store.sources_dir
        )
        result["rejected"] = {
            "version": rejection.version,
            "at": rejection.at.isoformat(timespec="seconds"),
            "errors": len(edited.problems.errors),
            "warnings": len(edited.problems.warnings),
            "problems": [problem_json(store, p) for p in edited.problems.sorted()],
        }
    return result


def usage(app: Flask, store: ContentStore) -> dict[str, Any]:
    """Anonymous counts per topic, language, channel and day: the same figures as /metrics."""
    metrics = services_of(app).metrics
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
