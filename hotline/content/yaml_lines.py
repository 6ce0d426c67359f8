"""Load YAML safely while keeping the line of every key, and report duplicate keys.

PyYAML silently keeps the last of two equal keys, so a staff member who pastes a message twice
would never learn which one callers hear. This loader records both lines instead.

Parsing runs in libyaml (C) when PyYAML was built with it, ten times faster than PyYAML's own
parser on a big tree; building the mappings stays in Python here either way, so lines and
duplicate keys are the same with both.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LineDict(dict):
    """A mapping that remembers the 1-based line of itself and of each of its keys."""

    line: int
    key_lines: dict[str, int]


@dataclass(frozen=True)
class DuplicateKey:
    key: str
    first_line: int
    second_line: int


@dataclass(frozen=True)
class YamlSyntaxError:
    line: int | None
    message: str


# yaml.CSafeLoader exists only when PyYAML was built with libyaml.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# What libyaml was reading when it gave up, in words for staff, pointed at the line it began on.
_CONTEXTS = {
    "while parsing a flow sequence": "the [ list",
    "while parsing a flow mapping": "the { mapping",
    "while scanning a quoted scalar": "the quoted text",
    "while parsing a block mapping": "the block of 'name: value' lines",
    "while parsing a block collection": "the list",
}

# libyaml's messages that do not say what was found, worded as PyYAML's parser words them.
_ALIAS = "found undefined alias"
_NAMELESS = {
    "found character that cannot start any token": "found character {} that cannot start any token",
    _ALIAS: "found undefined alias {}",
}

# The phone key * (and &) start YAML references when not in quotes: `*: main` fails to parse.
_BARE_SYMBOLS = {"while scanning an alias": "*", "while scanning an anchor": "&"}


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that builds LineDicts with string keys and collects duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[DuplicateKey] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            # Keys are always text for us: YAML would read `1:` as an int and `*` as an alias.
            key = _plain_text(key_node)
            if key is None:
                key = str(self.construct_object(key_node, deep=True))
            line = key_node.start_mark.line + 1
            if key in mapping.key_lines:
                self.duplicates.append(DuplicateKey(key, mapping.key_lines[key], line))
            value = _plain_text(value_node)
            mapping[key] = self.construct_object(value_node, deep=True) if value is None else value
            mapping.key_lines[key] = line
        return mapping


_TEXT_TAG = "tag:yaml.org,2002:str"


def _plain_text(node: yaml.Node) -> str | None:
    """A text scalar's value as SafeLoader would build it, without its machinery (most of what
    a big tree holds is text); None for anything else."""
    if isinstance(node, yaml.ScalarNode) and node.tag == _TEXT_TAG:
        return node.value  # type: ignore[no-any-return]
    return None


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


@dataclass(frozen=True)
class LoadedYaml:
    path: Path
    data: Any
    duplicates: tuple[DuplicateKey, ...]
    syntax_error: YamlSyntaxError | None


def load_yaml_text(path: Path, text: str) -> LoadedYaml:
    """Parse YAML text; syntax errors and duplicate keys are returned, never raised."""
    loader = _LineLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        return LoadedYaml(path, None, (), _syntax_error(error, text))
    except yaml.reader.ReaderError as error:
        # Raised at the first character YAML refuses, so its first occurrence is the line.
        found = text.find(chr(error.character)) if isinstance(error.character, int) else -1
        line = text.count("\n", 0, found) + 1 if found >= 0 else None
        message = f"unacceptable character U+{error.character:04X}: {error.reason}"
        return LoadedYaml(path, None, (), YamlSyntaxError(line, message))
    except yaml.YAMLError as error:
        return LoadedYaml(path, None, (), YamlSyntaxError(None, str(error).splitlines()[0]))
    finally:
        loader.dispose()
    return LoadedYaml(path, data, tuple(loader.duplicates), None)


def _syntax_error(error: yaml.MarkedYAMLError, text: str) -> YamlSyntaxError:
    """The line and words of a syntax error, naming where the unfinished part began."""
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else None
    message = error.problem or error.context or "the YAML could not be read"
    if mark is not None and message in _NAMELESS:
        # libyaml leaves out what it found; PyYAML's own parser names it, and so do we.
        lines = text.split("\n")
        rest = lines[mark.line][mark.column :] if mark.line < len(lines) else ""
        found = rest.split(maxsplit=1)[0] if message == _ALIAS else rest[:1]
        if found:
            message = _NAMELESS[message].format(repr(found))
    if error.context in _BARE_SYMBOLS:
        symbol = _BARE_SYMBOLS[error.context]
        message = (
            f'write {symbol} in quotes, as "{symbol}": a bare {symbol} starts a YAML reference'
        )
    begun = error.context_mark
    if error.problem and error.context in _CONTEXTS and begun and begun.line + 1 != line:
        message += f" ({_CONTEXTS[error.context]} that starts on line {begun.line + 1})"
    return YamlSyntaxError(line, message)


def line_of(mapping: Any, key: str | None = None) -> int | None:
    """The line of `key` in `mapping`, or of the mapping itself; None if unknown."""
    if not isinstance(mapping, LineDict):
        return None
    if key is not None and key in mapping.key_lines:
        return mapping.key_lines[key]
    return mapping.line
