"""Checks across files: references, reachability, keys, translations and placeholders."""

from __future__ import annotations

import re
import string

from hotline.content import schema
from hotline.content.load import KEY_PATTERN
from hotline.content.model import MAIN_MENU, Content
from hotline.content.problems import ProblemList, did_you_mean

_FORMATTER = string.Formatter()
# A message cites numbered paragraphs of the statement, the statement's closing contact line, or,
# for what the line says about itself, PRIVACY.md.
SOURCE_PATTERN = re.compile(r"^(statement-2026-02 (¶\d+(,\s*¶\d+)*|contact)|PRIVACY\.md)$")
# Body paragraphs of ../shared/sources/northampton-statement-2026-02.txt, numbered from
# "Northampton is reaffirming..." (1) to "Northampton will continue..." (12).
STATEMENT_PARAGRAPHS = 12


def placeholders_in(text: str) -> set[str] | None:
    """The {names} used in a text, or None when its braces are malformed."""
    try:
        return {name for _, name, _, _ in _FORMATTER.parse(text) if name is not None}
    except ValueError:
        return None


def validate(content: Content, problems: ProblemList) -> None:
    """Add every cross-file problem of `content` to `problems`."""
    _check_tree(content, problems)
    _check_translations(content, problems)


def _check_tree(content: Content, problems: ProblemList) -> None:
    nodes = set(content.menus) | set(content.messages)
    if MAIN_MENU not in content.menus:
        problems.error(
            "menus", None, "there is no menu called 'main'", "the tree starts at a menu named main"
        )
        return
    navigation = {key: name for name, key in vars(content.keys).items()}
    for menu in content.menus.values():
        if not menu.options:
            problems.error(menu.file, menu.line, f"menu '{menu.id}' has no options")
        for option in menu.options:
            if not KEY_PATTERN.match(option.key):
                problems.error(
                    menu.file,
                    option.line,
                    f"option key '{option.key}' in menu '{menu.id}' is not a phone key",
                    "use one of 0-9, * or # (in quotes for * and #)",
                )
            elif option.key in navigation:
                problems.error(
                    menu.file,
                    option.line,
                    f"key {option.key} in menu '{menu.id}' is also the '{navigation[option.key]}' "
                    "key of every menu",
                    f"choose a key other than {', '.join(sorted(navigation))}",
                )
            if option.target not in nodes:
                problems.error(
                    menu.file,
                    option.line,
                    f"option {option.key} of menu '{menu.id}' points to '{option.target}', "
                    "which is neither a menu nor a message",
                    did_you_mean(option.target, nodes) or "define it under menus: or messages:",
                )
    _check_reachability_and_cycles(content, problems)


def _check_reachability_and_cycles(content: Content, problems: ProblemList) -> None:
    reached: set[str] = set()
    on_path: list[str] = []

    def visit(node_id: str) -> None:
        if node_id in on_path:
            cycle = " -> ".join([*on_path[on_path.index(node_id) :], node_id])
            menu = content.menus[on_path[-1]]
            problems.error(
                menu.file,
                menu.line,
                f"menus loop back on themselves: {cycle}",
                "the back and main-menu keys already return; remove the option that loops",
            )
            return
        reached.add(node_id)
        menu = content.menus.get(node_id)
        if menu is None:
            return
        on_path.append(node_id)
        for option in menu.options:
            if option.target in content.menus or option.target in content.messages:
                visit(option.target)
        on_path.pop()

    visit(MAIN_MENU)
    for node in [*content.menus.values(), *content.messages.values()]:
        if node.id not in reached:
            problems.warning(
                node.file,
                node.line,
                f"'{node.id}' cannot be reached from the main menu",
                "add it as an option of a menu, or delete it",
            )


def _check_translations(content: Content, problems: ProblemList) -> None:
    codes = {language.code for language in content.languages}
    for code, translation in content.translations.items():
        if code not in codes:
            problems.warning(
                translation.file,
                None,
                f"language '{code}' is not listed in settings.yaml, so callers cannot choose it",
                f"add '{code}:' under languages: in menus/settings.yaml",
            )
    for language in content.languages:
        translation = content.translations.get(language.code)
        if translation is None:
            problems.error(
                "messages",
                None,
                f"language '{language.code}' has no file messages/{language.code}.yaml",
                "copy en.yaml, translate it and set review: draft",
            )
            continue
        needs_recordings = language.voice is None
        file = translation.file
        for name, (_, allowed) in schema.PROMPTS.items():
            if name == "office_hours" and content.office.hours is None:
                continue
            text = translation.prompts.get(name)
            line = translation.prompt_lines.get(name)
            needs_recording = needs_recordings and name in schema.SPOKEN_PROMPTS
            if needs_recording and name not in translation.prompt_recordings:
                problems.error(
                    file,
                    None,
                    f"prompt '{name}' needs a recording: {language.code} has no Twilio voice",
                    f"add '{name}: <recording URL>' under recordings:",
                )
            if text is None:
                if name in schema.OPTIONAL_PROMPTS and content.office.hours is None:
                    continue
                problems.error(
                    file,
                    None,
                    f"prompt '{name}' is missing in {language.code}",
                    f"add it under prompts: ({schema.PROMPTS[name][0]})",
                )
                continue
            _check_placeholders(problems, file, line, f"prompt '{name}'", text, allowed)
        for menu_id in content.menus:
            menu_text = translation.menus.get(menu_id)
            if menu_text is None:
                problems.error(
                    file,
                    None,
                    f"menu '{menu_id}' has no {language.code} text",
                    f"add '{menu_id}:' with a title under menus:",
                )
            elif needs_recordings and not menu_text.recording:
                problems.error(
                    file,
                    menu_text.line,
                    f"menu '{menu_id}' needs a recording: {language.code} has no Twilio voice",
                )
            elif not menu_text.title and menu_id != MAIN_MENU:
                problems.error(file, menu_text.line, f"menu '{menu_id}' has an empty title")
        for message_id in content.messages:
            text = translation.messages.get(message_id)
            if text is None:
                problems.error(
                    file,
                    None,
                    f"message '{message_id}' has no {language.code} text",
                    f"add '{message_id}:' with title and voice under messages:",
                )
                continue
            if needs_recordings and not text.recording:
                problems.error(
                    file,
                    text.line,
                    f"message '{message_id}' needs a recording: "
                    f"{language.code} has no Twilio voice",
                )
            for field, value in (("title", text.title), ("voice", text.voice)):
                if not value.strip():
                    problems.error(file, text.line, f"message '{message_id}' has an empty {field}")
            for field, value in (("voice", text.voice), ("text", text.text)):
                _check_placeholders(
                    problems,
                    file,
                    text.line,
                    f"{field} of message '{message_id}'",
                    value,
                    frozenset({"office_phone", "office_email", "emergency"}),
                )
        for node_id in [*translation.menus, *translation.messages]:
            if node_id not in content.menus and node_id not in content.messages:
                line = (translation.menus.get(node_id) or translation.messages[node_id]).line
                problems.warning(
                    file,
                    line,
                    f"'{node_id}' is translated but is not in the menu tree",
                    did_you_mean(node_id, [*content.menus, *content.messages]),
                )
    for message in content.messages.values():
        if not SOURCE_PATTERN.match(message.source):
            problems.error(
                message.file,
                message.line,
                f"source '{message.source}' of message '{message.id}' does not name paragraphs",
                "write it as: statement-2026-02 ¶11 (or ¶10, ¶11, or statement-2026-02 contact)",
            )
            continue
        for number in re.findall(r"¶(\d+)", message.source):
            if not 1 <= int(number) <= STATEMENT_PARAGRAPHS:
                problems.error(
                    message.file,
                    message.line,
                    f"message '{message.id}' cites ¶{number}, but the statement has "
                    f"paragraphs 1 to {STATEMENT_PARAGRAPHS}",
                )


def _check_placeholders(
    problems: ProblemList,
    file: str,
    line: int | None,
    what: str,
    text: str,
    allowed: frozenset[str],
) -> None:
    used = placeholders_in(text)
    if used is None:
        problems.error(
            file,
            line,
            f"{what} has an unmatched {{ or }}",
            "placeholders look like {office_phone}; write other braces as {{ and }}",
        )
        return
    for name in sorted(used - allowed):
        problems.error(
            file,
            line,
            f"{what} uses {{{name}}}, which it cannot fill",
            f"it may use: {', '.join('{' + a + '}' for a in sorted(allowed)) or 'no placeholders'}",
        )
