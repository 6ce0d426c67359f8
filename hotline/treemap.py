"""The whole menu tree in one language, as text, Mermaid or Graphviz dot, for staff and READMEs."""

from __future__ import annotations

import re

from hotline.content.model import MAIN_MENU, Content

FORMATS = ("text", "mermaid", "dot")


def tree_map(content: Content, code: str, format: str = "text") -> str:
    """Render the tree with its keys and titles in language `code`."""
    if format == "mermaid":
        return _mermaid(content, code)
    if format == "dot":
        return _dot(content, code)
    return _text(content, code)


def _title(content: Content, node_id: str, code: str) -> str:
    translation = content.translations[code]
    text = translation.menus.get(node_id) or translation.messages.get(node_id)
    return text.title if text and text.title else node_id


def _nodes(content: Content) -> list[str]:
    return list(content.walk.order)


def _navigation(content: Content, code: str) -> str:
    keys = content.keys
    return (
        f"Keys in every menu: {keys.office} Mayor's office, {keys.repeat} repeat, "
        f"{keys.back} back, {keys.main_menu} main menu"
    )


def _text(content: Content, code: str) -> str:
    lines = [
        f"Menu tree in {content.translations[code].name} ({code}), content {content.version}",
        _navigation(content, code),
        "",
        f"{_title(content, MAIN_MENU, code)}  (menu {MAIN_MENU})",
    ]
    shown: set[str] = {MAIN_MENU}

    def walk(menu_id: str, indent: str) -> None:
        options = content.menus[menu_id].options
        for index, option in enumerate(options):
            last = index == len(options) - 1
            target = option.target
            kind = "menu" if target in content.menus else "message"
            note = f"{kind} {target}"
            if target in content.messages:
                note += f", {content.messages[target].source}"
            again = target in shown and target in content.menus
            if again:
                note += ", shown above"
            branch = "└── " if last else "├── "
            lines.append(f"{indent}{branch}{option.key} {_title(content, target, code)}  ({note})")
            shown.add(target)
            if target in content.menus and not again:
                walk(target, indent + ("    " if last else "│   "))

    walk(MAIN_MENU, "")
    return "\n".join(lines) + "\n"


def _mermaid_id(node_id: str) -> str:
    # Mermaid reads '-' as part of an arrow, so ids are made of letters, digits and '_'.
    return "n_" + re.sub(r"[^A-Za-z0-9]", "_", node_id)


def _mermaid_label(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _mermaid(content: Content, code: str) -> str:
    lines = ["flowchart TD"]
    nodes = _nodes(content)
    for node_id in nodes:
        label = _mermaid_label(_title(content, node_id, code))
        shape = f"[{label}]" if node_id in content.menus else f"({label})"
        lines.append(f"    {_mermaid_id(node_id)}{shape}")
    for menu_id, key, target in ((e.menu, e.key, e.target) for e in content.walk.edges):
        lines.append(f'    {_mermaid_id(menu_id)} -->|"{key}"| {_mermaid_id(target)}')
    return "\n".join(lines) + "\n"


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot(content: Content, code: str) -> str:
    lines = ["digraph hotline {", "    rankdir=LR;", "    node [shape=box];"]
    nodes = _nodes(content)
    for node_id in nodes:
        shape = "" if node_id in content.menus else ", shape=note"
        label = _dot_string(_title(content, node_id, code))
        lines.append(f"    {_dot_string(node_id)} [label={label}{shape}];")
    for menu_id, key, target in ((e.menu, e.key, e.target) for e in content.walk.edges):
        lines.append(
            f"    {_dot_string(menu_id)} -> {_dot_string(target)} [label={_dot_string(key)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def timing_table(content: Content, codes: list[str]) -> str:
    """Caller time of every place in each language, as a Markdown table (hotline map --timing).

    Each cell is "barge-in / listens fully" in seconds from the start of the call: pressing each
    key as soon as it is named, or hearing every menu to its end (hotline.voice.caller_time).
    """
    from hotline.voice.caller_time import timings

    found = {code: {t.node_id: t for t in timings(content, code)} for code in codes}
    places = list(dict.fromkeys(place for by_place in found.values() for place in by_place))
    target = content.targets.caller_seconds
    lines = [
        "Seconds from the start of a call until each answer is heard: pressing each key as soon "
        "as it is named / listening to every menu in full. Words counted at each language's "
        f"words_per_minute (settings.yaml); hotline check warns past {target} s (targets: "
        "caller_seconds).",
        "",
        "| place | keys | " + " | ".join(codes) + " |",
        "|---|---|" + "---|" * len(codes),
    ]
    for place in places:
        first = next(by_place[place] for by_place in found.values() if place in by_place)
        cells = [
            f"{by_place[place].barge_in:.1f} / {by_place[place].listens_fully:.1f}"
            if place in by_place
            else "recorded"
            for by_place in found.values()
        ]
        keys = " ".join(first.keys[1:])
        lines.append(
            f"| {_place_name(content, place, codes[0])} | {keys} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines) + "\n"


def _place_name(content: Content, place: str, code: str) -> str:
    from hotline.voice.caller_time import OFFICE_NUMBER, TRANSFER

    names = {OFFICE_NUMBER: "the office's number", TRANSFER: "the transfer to the office"}
    return names.get(place) or f"{_title(content, place, code)} (`{place}`)"
