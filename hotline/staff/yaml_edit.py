"""Change one text value in a YAML file, and nothing else: every other byte stays as it was.

Why not a round-trip library such as ruamel.yaml: it re-emits the whole document, so it can
rewrap long lines, change quoting or indentation and move comments; keeping this repository's
files byte-identical outside an edit would have to be checked after every write anyway. PyYAML's
composer (already a dependency) gives each value's exact start and end in the text, so the edit
replaces those characters only; the file is then parsed again to prove the value reads back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import yaml

# Characters YAML reads as line breaks even inside quotes: always written escaped.
YAML_BREAKS = {"\u0085": "\\N", "\u2028": "\\L", "\u2029": "\\P"}


class EditError(Exception):
    """The edit cannot be made; the message says why, in words for staff."""


def replace_scalar(text: str, path: Sequence[str], value: str) -> str:
    """`text` with the text value at `path` (keys from the top) set to `value`."""
    node = _find(text, path)
    start, end = node.start_mark.index, node.end_mark.index
    original = text[start:end]
    # A block scalar's span ends after its line breaks: keep them, so the next key stays put.
    trailing = original[len(original.rstrip()) :]
    edited = text[:start] + _scalar(value, node.style) + trailing + text[end:]
    if _read(edited, path) != value:
        raise EditError(f"{'.'.join(path)} did not read back as written")
    return edited


def read_scalar(text: str, path: Sequence[str]) -> str:
    """The text value at `path`."""
    return _read(text, path)


def _find(text: str, path: Sequence[str]) -> yaml.ScalarNode:
    where = ".".join(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise EditError(f"the file cannot be read as YAML ({error.__class__.__name__})") from error
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            raise EditError(f"{where} is not in the file")
        found = [v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key]
        if not found:
            raise EditError(f"{where} is not in the file")
        node = found[-1]
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
        raise EditError(f"{where} is not a text value")
    return node


def _read(text: str, path: Sequence[str]) -> str:
    value = yaml.safe_load(text)
    for key in path:
        # Keys as written: `1:` is the number 1 to YAML, and "1" in a path.
        found = [v for k, v in value.items() if str(k) == key] if isinstance(value, dict) else []
        if not found:
            raise EditError(f"{'.'.join(path)} is not in the file")
        value = found[-1]
    if not isinstance(value, str):
        raise EditError(f"{'.'.join(path)} is not a text value")
    return value


def _scalar(value: str, style: str | None) -> str:
    """`value` as YAML, in the original's style where that style can hold it exactly."""
    if style is None and _plain_is_exact(value):
        return value
    if style == "'" and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    quoted = json.dumps(value, ensure_ascii=False)
    for character, escape in YAML_BREAKS.items():
        quoted = quoted.replace(character, escape)
    return quoted


def _plain_is_exact(value: str) -> bool:
    if not value or value != value.strip() or not value.isprintable():
        return False
    try:
        return yaml.safe_load(f"k: {value}\n") == {"k": value}
    except yaml.YAMLError:
        return False
