"""Checks of each language's `sms:` section: sentences, placeholders, and words texters send."""

from __future__ import annotations

from hotline.content.model import Content
from hotline.content.problems import ProblemList
from hotline.content.validate import Sources
from hotline.sms.words import (
    LANGUAGE,
    PHONE_KEYS,
    START_WORDS,
    STOP_WORDS,
    fold,
    language_meanings,
)


def validate_sms(content: Content, problems: ProblemList, sources: Sources | None = None) -> None:
    """Add the problems of the languages' sms words, across languages, to `problems`.

    Each section itself (fields, sentences, lists of words) is checked as it is read
    (hotline.content.load); here, what each word means to a texter. `sources` is not needed:
    the model keeps the lines.
    """
    codes = [
        language.code
        for language in content.languages
        if language.code in content.translations
        and content.translations[language.code].sms.words.get(LANGUAGE)
    ]
    _check_words(content, codes, problems)


def _word_line(content: Content, code: str, meaning_kind: str, value: str) -> int | None:
    translation = content.translations[code]
    if meaning_kind == "topic":
        node = translation.menus.get(value) or translation.messages.get(value)
        return node.line if node else None
    return translation.sms.word_lines.get(meaning_kind) or translation.sms.line or None


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
