"""The editor's guide documents every field and prompt of the schema, word for word.

The field reference in menus/README.md is generated from hotline/content/schema.py. When this
test fails after a schema change, regenerate it with: python -m tests.test_docs
"""

from __future__ import annotations

import re
from pathlib import Path

from hotline.content import schema

GUIDE = Path(__file__).resolve().parent.parent / "menus" / "README.md"
START, END = "<!-- fields:start -->", "<!-- fields:end -->"

TABLES: list[tuple[str, dict[str, schema.Field]]] = [
    ("`menus/settings.yaml`", schema.SETTINGS_FIELDS),
    ("`office:` in settings.yaml", schema.OFFICE_FIELDS),
    ("`hours:` under office", schema.HOURS_FIELDS),
    ("`keys:` in settings.yaml", schema.KEYS_FIELDS),
    ("`voice:` in settings.yaml", schema.VOICE_FIELDS),
    ("`targets:` in settings.yaml", schema.TARGETS_FIELDS),
    ("Each language under `languages:`", schema.LANGUAGE_FIELDS),
    ("A tree file such as `menus/tree.yaml`", schema.TREE_FIELDS),
    ("Each menu under `menus:` in the tree", schema.MENU_FIELDS),
    ("Each message under `messages:` in the tree", schema.MESSAGE_FIELDS),
    ("A language file such as `messages/es.yaml`", schema.TRANSLATION_FIELDS),
    ("Each menu under `menus:` in a language file", schema.MENU_TEXT_FIELDS),
    ("Each message under `messages:` in a language file", schema.MESSAGE_TEXT_FIELDS),
    ("`approved:` under a message in a language file", schema.APPROVAL_FIELDS),
    ("A source file such as `sources/statement-2026-02.yaml`", schema.SOURCE_FIELDS),
    ("`sms:` in a language file", schema.SMS_FIELDS),
]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _placeholders(names: frozenset[str]) -> str:
    return ", ".join(f"`{{{name}}}`" for name in sorted(names)) or "none"


def render_field_reference() -> str:
    """The reference part of the guide, from the schema tables."""
    out: list[str] = []
    for title, fields in TABLES:
        out += [f"#### {title}", "", "| Field | Required | What it holds | Allowed values |"]
        out.append("|---|---|---|---|")
        for name, field in fields.items():
            required = "yes" if field.required else "no"
            rule = _cell(field.describe_rule())
            out.append(f"| `{name}` | {required} | {_cell(field.doc)} | {rule} |")
        out.append("")
    out += [
        "#### Words under `sms: words:`",
        "",
        "| Meaning | What sending one of its words does |",
        "|---|---|",
    ]
    out += [f"| `{name}` | {_cell(doc)} |" for name, doc in schema.SMS_WORDS.items()]
    out += ["", "#### Prompts under `prompts:`", ""]
    out += ["| Prompt | When it is said | Placeholders it may use |", "|---|---|---|"]
    for name, (doc, allowed) in schema.PROMPTS.items():
        needed = "" if name not in schema.OPTIONAL_PROMPTS else " (optional)"
        out.append(f"| `{name}`{needed} | {_cell(doc)} | {_placeholders(allowed)} |")
    out += ["", "#### SMS sentences and their placeholders", ""]
    out += ["| Sentence | Placeholders it may use | Placeholders it must use |", "|---|---|---|"]
    for name, allowed in schema.SMS_PROMPTS.items():
        required = schema.SMS_REQUIRED_PLACEHOLDERS.get(name, frozenset())
        out.append(f"| `{name}` | {_placeholders(allowed)} | {_placeholders(required)} |")
    out += ["", "#### Placeholders", "", "| Placeholder | Filled in with |", "|---|---|"]
    out += [f"| `{{{name}}}` | {_cell(doc)} |" for name, doc in schema.PLACEHOLDERS.items()]
    return "\n".join(out) + "\n"


def _guide_reference(text: str) -> str:
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, re.DOTALL)
    assert match, f"menus/README.md has no {START} ... {END} block"
    return match.group(1)


def test_the_field_reference_matches_the_schema() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert _guide_reference(text) == render_field_reference(), (
        "menus/README.md is out of date with schema.py; run: python -m tests.test_docs"
    )


def test_every_field_prompt_and_placeholder_is_named_in_the_guide() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    names = {name for _, fields in TABLES for name in fields}
    names |= set(schema.PROMPTS) | set(schema.SMS_FIELDS) | set(schema.SMS_WORDS)
    missing = sorted(name for name in names if f"`{name}`" not in text)
    missing += sorted(f"{{{name}}}" for name in schema.PLACEHOLDERS if f"`{{{name}}}`" not in text)
    assert missing == []


def test_the_guide_tells_how_to_check_and_preview() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for command in ("hotline check", "hotline preview call", "hotline preview text", "hotline map"):
        assert command in text


if __name__ == "__main__":
    guide = GUIDE.read_text(encoding="utf-8")
    start, end = guide.index(START) + len(START) + 1, guide.index(END)
    GUIDE.write_text(guide[:start] + render_field_reference() + guide[end:], encoding="utf-8")
    print(f"updated {GUIDE}")
