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
