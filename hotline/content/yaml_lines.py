"""Load YAML safely while keeping the line of every key, and report duplicate keys.

PyYAML silently keeps the last of two equal keys, so a staff member who pastes a message twice
would never learn which one callers hear. This loader records both lines instead.
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


class _LineLoader(yaml.SafeLoader):
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
            key = str(self.construct_object(key_node, deep=True))
            line = key_node.start_mark.line + 1
            if key in mapping.key_lines:
                self.duplicates.append(DuplicateKey(key, mapping.key_lines[key], line))
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.key_lines[key] = line
        return mapping


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
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        message = error.problem or error.context or "the YAML could not be read"
        return LoadedYaml(path, None, (), YamlSyntaxError(line, message))
    except yaml.YAMLError as error:
        return LoadedYaml(path, None, (), YamlSyntaxError(None, str(error).splitlines()[0]))
    finally:
        loader.dispose()
    return LoadedYaml(path, data, tuple(loader.duplicates), None)


def line_of(mapping: Any, key: str | None = None) -> int | None:
    """The line of `key` in `mapping`, or of the mapping itself; None if unknown."""
    if not isinstance(mapping, LineDict):
        return None
    if key is not None and key in mapping.key_lines:
        return mapping.key_lines[key]
    return mapping.line
