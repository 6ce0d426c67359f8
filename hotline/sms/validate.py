"""Checks of each language's `sms:` section: sentences, placeholders, and words texters send."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotline.content import schema
from hotline.content.model import Content, Translation
from hotline.content.placeholders import check_placeholders
from hotline.content.problems import ProblemList, did_you_mean
from hotline.content.validate import Sources
from hotline.content.yaml_lines import line_of
from hotline.sms.words import (
    LANGUAGE,
    PHONE_KEYS,
    START_WORDS,
    STOP_WORDS,
    fold,
    language_meanings,
)


def validate_sms(content: Content, problems: ProblemList, sources: Sources | None = None) -> None:
    """Add every problem of the languages' sms sections to `problems` (as written: `sources`
    is not needed, the sections keep their own lines)."""
    checked = []
    for language in content.languages:
        translation = content.translations.get(language.code)
        if translation is None or not isinstance(translation.extra.get("sms"), Mapping):
            continue  # the loader already reported the missing file or section
        if _check_section(translation, problems):
            checked.append(language.code)
    _check_words(content, checked, problems)


def _check_section(translation: Translation, problems: ProblemList) -> bool:
    """Check fields and placeholders; True when the words can be checked too."""
    sms: Any = translation.extra["sms"]
    file = translation.file
    for name in sms:
        if name not in schema.SMS_FIELDS:
            problems.warning(
                file,
                line_of(sms, name),
                f"unknown field '{name}' in sms; it is ignored",
                did_you_mean(name, schema.SMS_FIELDS)
                or f"known fields: {', '.join(schema.SMS_FIELDS)}",
            )
    words_ok = True
    for name, field in schema.SMS_FIELDS.items():
        value = sms.get(name)
        if value is None:
            if field.required:
                problems.error(
                    file, line_of(sms), f"sms has no '{name}'", f"add '{name}:' ({field.doc})"
                )
                words_ok = words_ok and name != "words"
            continue
        if name == "words":
            words_ok = _check_words_section(translation, value, problems)
            continue
        line = line_of(sms, name)
        if not isinstance(value, str) or not value.strip():
            problems.error(file, line, f"sms '{name}' should be text", field.doc)
            continue
        check_placeholders(
            problems,
            file,
            line,
            f"sms '{name}'",
            value,
            schema.SMS_PROMPTS.get(name, frozenset()),
            schema.SMS_REQUIRED_PLACEHOLDERS.get(name, frozenset()),
        )
    return words_ok


def _check_words_section(translation: Translation, words: Any, problems: ProblemList) -> bool:
    file = translation.file
    sms: Any = translation.extra["sms"]
    if not isinstance(words, Mapping):
        problems.error(
            file,
            line_of(sms, "words"),
            "sms 'words' should be a set of 'meaning: [WORD, ...]' lines",
            f"meanings: {', '.join(schema.SMS_WORDS)}",
        )
        return False
    ok = True
    for meaning, listed in words.items():
        line = line_of(words, meaning)
        if meaning not in schema.SMS_WORDS:
            problems.warning(
                file,
                line,
                f"unknown word meaning '{meaning}' in sms words; those words do nothing",
                did_you_mean(meaning, schema.SMS_WORDS)
                or f"meanings: {', '.join(schema.SMS_WORDS)}",
            )
        if not isinstance(listed, list) or not all(isinstance(word, str | int) for word in listed):
            problems.error(
                file,
                line,
                f"sms words '{meaning}' should be a list of words",
                f"write it as {meaning}: [WORD, OTHER WORD]",
            )
            ok = False
    if not words.get(LANGUAGE):
        problems.error(
            file,
            line_of(words),
            f"sms words have no '{LANGUAGE}' words, so texters cannot switch to {translation.code}",
            "add a line such as language: [ES, ESPAÑOL, SPANISH]",
        )
    return ok


def _word_line(content: Content, code: str, meaning_kind: str, value: str) -> int | None:
    translation = content.translations[code]
    if meaning_kind == "topic":
        node = translation.menus.get(value) or translation.messages.get(value)
        return node.line if node else None
    words = translation.extra["sms"].get("words")  # type: ignore[union-attr]
    return line_of(words, meaning_kind)


def _check_words(content: Content, codes: list[str], problems: ProblemList) -> None:
    """Each word means one thing in its language; language words mean one language anywhere."""
    language_owner: dict[str, tuple[str, str]] = {}
    for code in codes:
        file = content.translations[code].file
        seen: dict[str, str] = {}
        for word, meaning in language_meanings(content, code):
            folded = fold(word)
            line = _word_line(content, code, meaning.kind, meaning.value)
            what = f"'{meaning.value}'" if meaning.kind == "topic" else f"'{meaning.kind}'"
            if not folded or folded in PHONE_KEYS:
                problems.error(
                    file,
                    line,
                    f"word '{word}' ({what}) has no letters a texter could send",
                    "use a word; numbers already choose menu options",
                )
                continue
            if folded in STOP_WORDS or folded in START_WORDS:
                problems.error(
                    file,
                    line,
                    f"word '{word}' ({what}) opts texters out or back in (a Twilio keyword, or "
                    "'stop' in Spanish or Portuguese): the line stops answering when they send it",
                    "remove it from the list",
                )
                continue
            if folded in seen and seen[folded] != what:
                problems.error(
                    file,
                    line,
                    f"word '{word}' means both {seen[folded]} and {what} in {code}",
                    "keep it in one list only (words match without case or accents)",
                )
            seen.setdefault(folded, what)
            if meaning.kind == LANGUAGE:
                owner = language_owner.setdefault(folded, (code, word))
                if owner[0] != code:
                    problems.error(
                        file,
                        line,
                        f"language word '{word}' of {code} is also a language word of {owner[0]}",
                        "each language word must choose one language",
                    )
    for code in codes:
        file = content.translations[code].file
        for word, meaning in language_meanings(content, code):
            owner = language_owner.get(fold(word))
            if meaning.kind != LANGUAGE and owner is not None:
                problems.error(
                    file,
                    _word_line(content, code, meaning.kind, meaning.value),
                    f"word '{word}' is a language word of {owner[0]}, so texters who send it "
                    "switch language instead",
                    "remove it from this list or from the language words",
                )
