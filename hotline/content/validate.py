"""Checks across files: references, reachability, keys, translations, placeholders and voices."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from hotline.content import schema
from hotline.content.approvals import check_approvals
from hotline.content.citations import check_citations
from hotline.content.model import MAIN_MENU, Content
from hotline.content.placeholders import check_placeholders, placeholders_in
from hotline.content.problems import ProblemList, did_you_mean
from hotline.content.readability import check_reading_grade
from hotline.content.twilio_voices import check_voice
from hotline.content.yaml_lines import LineDict, line_of

# Characters XML 1.0 forbids: Twilio would reject the whole document that holds one.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Deeper than this many key presses after the language, callers give up.
DEPTH_WARNING = 3


@dataclass(frozen=True)
class Sources:
    """The parsed files behind the content, so checks can point at the line of any value."""

    documents: Mapping[str, Any]
    settings_file: str
    # The content folder: a recording given as a relative path must be a file under it.
    root: Path
    tree_files: tuple[str, ...] = ()
    # Files with a YAML syntax error (already reported).
    unreadable: frozenset[str] = frozenset()

    def incomplete(self) -> bool:
        """True when a file could not be read whole, so cross-file checks would only mislead."""
        return any(data is None for data in self.documents.values())

    def defined_ids(self) -> set[str]:
        """Every menu and message id written in the tree files, even those with errors."""
        ids: set[str] = set()
        for file in self.tree_files:
            data = self.documents.get(file)
            for section in ("menus", "messages"):
                entries = data.get(section) if isinstance(data, dict) else None
                ids |= set(entries) if isinstance(entries, dict) else set()
        return ids

    def line(self, file: str, *keys: str) -> int | None:
        """The line of the deepest of `keys` found in `file`, walking down from its top."""
        data = self.documents.get(str(file))
        best = line_of(data)
        for key in keys:
            if not isinstance(data, dict) or key not in data:
                break
            best = line_of(data, key) or best
            data = data[key]
        return best


Check = Callable[[Content, ProblemList, "Sources | None"], None]

# The checks each channel adds (its sms section, what its renderer sends): hotline.channel_checks
# registers them when the hotline package is imported, so this package imports no channel (the
# channels render content and import it, not the other way round).
_channel_checks: list[Check] = []
# Advice: checks that only ever warn (caller time, text segments) and measure every document
# the line can send, so they cost seconds on a tree of thousands of nodes. They never decide
# whether content is served, so the server loads content without them; `hotline check`, the
# console and the review sheet run them.
_channel_advice: list[Check] = []


def add_channel_checks(*checks: Check) -> None:
    """Run `checks` after the content's own, in every validation from now on."""
    _channel_checks.extend(check for check in checks if check not in _channel_checks)


def add_channel_advice(*checks: Check) -> None:
    """Run `checks` (which only warn) in every validation that asks for advice, from now on."""
    _channel_advice.extend(check for check in checks if check not in _channel_advice)


def validate(
    content: Content, problems: ProblemList, sources: Sources | None = None, advice: bool = True
) -> None:
    """Add every cross-file problem of `content` to `problems`.

    With `advice` off, the checks that only warn and measure every document are left out:
    what is served does not depend on them (see `_channel_advice`).
    """
    if sources is not None and sources.incomplete():
        return  # fix the file that cannot be read first; the rest would be wrong guesses
    # Ids written in the tree but dropped for an error already reported are not reported again.
    known = sources.defined_ids() if sources else set()
    _check_tree(content, problems, known)
    _check_translations(content, problems, sources, known)
    _check_placeholder_consistency(content, problems, sources)
    _check_depth(content, problems)
    if sources is not None:
        _check_voices(content, problems, sources)
        _check_recordings(content, problems, sources)
    check_citations(
        content,
        problems,
        lambda file, message_id: (
            sources.line(file, "messages", message_id, "source") if sources else None
        ),
    )
    check_approvals(content, problems)
    for check in _channel_checks:
        check(content, problems, sources)
    if not advice:
        return
    check_reading_grade(
        content,
        problems,
        lambda file, message_id: (
            sources.line(file, "messages", message_id, "voice") if sources else None
        ),
    )
    for check in _channel_advice:
        check(content, problems, sources)


def check_documents(sources: Sources, problems: ProblemList) -> None:
    """Checks on the files as written, which need no model: empty files, XML-illegal characters."""
    for file, data in sources.documents.items():
        if data is None and file not in sources.unreadable:
            problems.error(
                file,
                None,
                "the file is empty",
                "was it saved only half way? Write its content again, or delete the file",
            )
        if not _any_illegal(data):
            continue  # the usual case: one search of the whole file, no paths built
        for path, line, text in _strings(data, (), None):
            bad = XML_ILLEGAL.search(text)
            if bad:
                problems.error(
                    file,
                    line,
                    f"'{'.'.join(path)}' has a character Twilio cannot send "
                    f"(U+{ord(bad.group()):04X})",
                    "delete it; such characters often come in with text pasted from elsewhere",
                )


def _any_illegal(data: Any) -> bool:
    """True when any key or text in a parsed file has an XML-illegal character."""
    texts: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, dict):
            texts.extend(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return XML_ILLEGAL.search("\n".join(texts)) is not None


def _strings(
    data: Any, path: tuple[str, ...], line: int | None
) -> Iterator[tuple[tuple[str, ...], int | None, str]]:
    """Every text in a parsed file, with its path of keys and the line of its key."""
    if isinstance(data, dict):
        for key, value in data.items():
            key_line = line_of(data, key) if isinstance(data, LineDict) else line
            yield (*path, key), key_line, key
            yield from _strings(value, (*path, key), key_line)
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item, path, line)
    elif isinstance(data, str):
        yield path, line, data


def _check_tree(content: Content, problems: ProblemList, known: set[str]) -> None:
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
            if not schema.KEY_PATTERN.match(option.key):
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
            if option.target not in nodes and option.target not in known:
                problems.error(
                    menu.file,
                    option.line,
                    f"option {option.key} of menu '{menu.id}' points to '{option.target}', "
                    "which is neither a menu nor a message",
                    did_you_mean(option.target, nodes) or "define it under menus: or messages:",
                )
    _check_reachability_and_cycles(content, problems)


def _check_reachability_and_cycles(content: Content, problems: ProblemList) -> None:
    on_path: list[str] = []
    done: set[str] = set()

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
        menu = content.menus.get(node_id)
        if menu is None or node_id in done:
            return
        on_path.append(node_id)
        for option in menu.options:
            visit(option.target)
        on_path.pop()
        done.add(node_id)

    visit(MAIN_MENU)
    for node in [*content.menus.values(), *content.messages.values()]:
        if not content.walk.reachable(node.id):
            problems.warning(
                node.file,
                node.line,
                f"'{node.id}' cannot be reached from the main menu",
                "add it as an option of a menu, or delete it",
            )


def _check_translations(
    content: Content, problems: ProblemList, sources: Sources | None, known: set[str]
) -> None:
    def at(file: str, *keys: str) -> int | None:
        return sources.line(file, *keys) if sources else None

    codes = {language.code for language in content.languages}
    for code, translation in content.translations.items():
        if code not in codes:
            problems.warning(
                translation.file,
                at(translation.file, "language"),
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
                    at(file, "recordings"),
                    f"prompt '{name}' needs a recording: {language.code} has no Twilio voice",
                    f"add '{name}: <recording URL>' under recordings:",
                )
            if text is None:
                if name in schema.OPTIONAL_PROMPTS and content.office.hours is None:
                    continue
                problems.error(
                    file,
                    at(file, "prompts"),
                    f"prompt '{name}' is missing in {language.code}",
                    f"add it under prompts: ({schema.PROMPTS[name][0]})",
                )
                continue
            check_placeholders(problems, file, line, f"prompt '{name}'", text, allowed)
        for menu_id in content.menus:
            menu_text = translation.menus.get(menu_id)
            if menu_text is None:
                problems.error(
                    file,
                    at(file, "menus"),
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
                    at(file, "messages"),
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
                    problems.error(
                        file,
                        at(file, "messages", message_id, field),
                        f"message '{message_id}' has an empty {field}",
                    )
            fields = [("voice", text.voice)] + (
                [("text", text.text)] if text.text != text.voice else []
            )
            if text.whatsapp:
                fields.append(("whatsapp", text.whatsapp))
                if len(text.whatsapp) > schema.MESSAGE_BODY_LIMIT:
                    problems.warning(
                        file,
                        at(file, "messages", message_id, "whatsapp") or text.line,
                        f"the whatsapp text of message '{message_id}' has "
                        f"{len(text.whatsapp)} characters; Twilio takes at most "
                        f"{schema.MESSAGE_BODY_LIMIT} in one message, so it arrives in pieces",
                        "shorten it: a WhatsApp reply reads best as one message",
                    )
            for field, value in fields:
                check_placeholders(
                    problems,
                    file,
                    at(file, "messages", message_id, field) or text.line,
                    f"{field} of message '{message_id}'",
                    value,
                    frozenset({"office_phone", "office_email", "emergency"}),
                )
        for node_id in [*translation.menus, *translation.messages]:
            in_tree = node_id in content.menus or node_id in content.messages
            if not in_tree and node_id not in known:
                line = (translation.menus.get(node_id) or translation.messages[node_id]).line
                problems.warning(
                    file,
                    line,
                    f"'{node_id}' is translated but is not in the menu tree",
                    did_you_mean(node_id, [*content.menus, *content.messages]),
                )


def _texts_to_compare(content: Content, code: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every translated text of one language that may hold placeholders, with its key path."""
    translation = content.translations[code]
    texts = {f"prompt '{n}'": (t, ("prompts", n)) for n, t in translation.prompts.items()}
    for message_id, text in translation.messages.items():
        texts[f"voice of message '{message_id}'"] = (text.voice, ("messages", message_id, "voice"))
        if text.text != text.voice:
            texts[f"text of message '{message_id}'"] = (text.text, ("messages", message_id, "text"))
    for name, value in translation.sms.sentences.items():
        texts[f"sms {name}"] = (value, ("sms", name))
    return texts


def _check_placeholder_consistency(
    content: Content, problems: ProblemList, sources: Sources | None
) -> None:
    """Warn when a translation drops or adds a placeholder the default language uses."""
    reference = content.default_language
    if reference not in content.translations:
        return
    reference_texts = _texts_to_compare(content, reference)
    for code, translation in content.translations.items():
        if code == reference:
            continue
        for what, (text, keys) in _texts_to_compare(content, code).items():
            if what not in reference_texts:
                continue
            ours, theirs = placeholders_in(text), placeholders_in(reference_texts[what][0])
            if ours is None or theirs is None or ours == theirs:
                continue
            line = sources.line(translation.file, *keys) if sources else None
            for name in sorted(theirs - ours):
                problems.warning(
                    translation.file,
                    line,
                    f"{what} uses {{{name}}} in {reference} but not in {code}",
                    "check the translation says the same thing; add the placeholder if it should",
                )
            for name in sorted(ours - theirs):
                problems.warning(
                    translation.file,
                    line,
                    f"{what} uses {{{name}}} in {code} but not in {reference}",
                    f"check the translation says the same thing as the {reference} text",
                )


def _check_depth(content: Content, problems: ProblemList) -> None:
    """Warn about the first place on each branch that takes too many key presses to reach."""
    for node_id in content.walk.order:
        node = content.menus.get(node_id) or content.messages.get(node_id)
        if node is not None and content.walk.depth(node_id) == DEPTH_WARNING + 1:
            problems.warning(
                node.file,
                node.line,
                f"'{node.id}' takes {DEPTH_WARNING + 1} key presses from the main menu; "
                f"callers give up after {DEPTH_WARNING}",
                "move it, and what is under it, closer to the main menu",
            )


def _check_voices(content: Content, problems: ProblemList, sources: Sources) -> None:
    """Each language's voice must be one of Twilio's, and speak that language."""
    for language in content.languages:
        if language.voice is None:
            continue
        wrong = check_voice(language.voice, language.twilio_language)
        if wrong is not None:
            problems.error(
                sources.settings_file,
                sources.line(sources.settings_file, "languages", language.code, "voice"),
                f"language '{language.code}': {wrong[0]}",
                wrong[1],
            )


def _check_recordings(content: Content, problems: ProblemList, sources: Sources) -> None:
    """Every recording must be an https address or a file under the content folder."""
    for translation in content.translations.values():
        file = translation.file
        found = [(url, ("recordings", name)) for name, url in translation.prompt_recordings.items()]
        for kind, texts in (("menus", translation.menus), ("messages", translation.messages)):
            found += [
                (text.recording, (kind, node_id, "recording"))
                for node_id, text in texts.items()
                if text.recording
            ]
        for url, keys in found:
            _check_recording(problems, sources, file, sources.line(file, *keys), url)


def _check_recording(
    problems: ProblemList, sources: Sources, file: str, line: int | None, url: str
) -> None:
    if url.startswith("https://"):
        return
    if url.startswith("http://"):
        problems.warning(
            file,
            line,
            f"recording '{url}' is fetched over plain http",
            "use its https:// address so it cannot be swapped on the way",
        )
        return
    relative = PurePosixPath(url)
    if "://" in url or relative.is_absolute() or ".." in relative.parts or not url.strip():
        problems.error(
            file,
            line,
            f"recording '{url}' is neither an https:// address nor a file in the content folder",
            "write https://... or a path such as recordings/ht/greeting.mp3",
        )
        return
    if not (sources.root / relative).is_file():
        problems.error(
            file,
            line,
            f"recording file '{url}' does not exist",
            "put the file at that path inside the folder that holds menus/ and messages/, "
            "or correct the path",
        )
