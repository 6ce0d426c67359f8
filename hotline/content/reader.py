"""Typed reading of one parsed YAML file: records problems instead of raising."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hotline.content import schema
from hotline.content.problems import ProblemList, did_you_mean
from hotline.content.yaml_lines import LineDict, line_of


class Reader:
    """Typed access to one YAML file's values that records problems instead of raising."""

    def __init__(self, problems: ProblemList, path: Path) -> None:
        self.problems = problems
        self.path = path

    def section(
        self, mapping: Any, fields: dict[str, schema.Field], what: str, line: int | None = None
    ) -> LineDict | None:
        """Check a mapping against its fields: unknown, missing and mistyped entries."""
        if not isinstance(mapping, dict):
            self.problems.error(
                self.path, line, f"{what} should be a set of 'name: value' lines", ""
            )
            return None
        for key in mapping:
            if key not in fields:
                hint = did_you_mean(key, fields) or f"known fields: {', '.join(fields)}"
                self.problems.warning(
                    self.path,
                    line_of(mapping, key),
                    f"unknown field '{key}' in {what}; it is ignored",
                    hint,
                )
        for name, field in fields.items():
            if name not in mapping:
                if field.required:
                    self.problems.error(
                        self.path,
                        line_of(mapping),
                        f"{what} has no '{name}'",
                        f"add '{name}:' ({field.doc})",
                    )
                continue
            value = mapping[name]
            if not has_kind(value, field.kind):
                self.problems.error(
                    self.path,
                    line_of(mapping, name),
                    f"'{name}' in {what} should be {kind_name(field.kind)}",
                    field.doc,
                )
        return mapping  # type: ignore[return-value]

    def get(self, mapping: LineDict, name: str, field: schema.Field, default: Any = None) -> Any:
        """The value of a field if present and of the right kind, else the default."""
        value = mapping.get(name, default)
        return value if has_kind(value, field.kind) else default


def has_kind(value: Any, kind: type | tuple[type, ...]) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False
    if str in kinds and isinstance(value, (int, float, dt.date)) and not isinstance(value, bool):
        # Staff write `key: 1` and `date: 2026-02-05`; YAML makes those numbers and dates.
        return True
    return isinstance(value, kinds)


def kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "text",
        int: "a whole number",
        bool: "true or false",
        dict: "a mapping",
        list: "a list",
        type(None): "empty",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def text_of(value: Any) -> str:
    return "" if value is None else str(value)
