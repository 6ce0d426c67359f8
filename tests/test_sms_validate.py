"""Checks of the sms sections: each broken input with the exact problem staff read."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.content.load import load_content
from tests.conftest import FIXTURE_CONTENT


def problems_of(content: Path) -> list[str]:
    result = load_content(content / "menus", content / "messages", base=content)
    return [problem.format() for problem in result.problems.sorted()]


def edit(content: Path, code: str, old: str, new: str) -> None:
    path = content / "messages" / f"{code}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_test_tree_has_no_sms_errors():
    problems = problems_of(FIXTURE_CONTENT)
    assert not [p for p in problems if ": error: " in p]
    # Spanish needs UCS-2 and the welcome is a little long: staff are told, callers are served.
    assert any(
        p.startswith("messages/es.yaml:42: warning: the es text reply for the first reply")
        for p in problems
    )


CASES = [
    pytest.param(
        "en",
        '  not_understood: "Sorry, I did not understand."\n',
        "",
        "messages/en.yaml:46: error: sms has no 'not_understood'",
        id="missing-field",
    ),
    pytest.param(
        "en",
        'navigation: "Reply with a number.',
        'navigation: "Call {office_phone}. Reply with a number.',
        "messages/en.yaml:49: error: sms 'navigation' uses {office_phone}, which it cannot fill",
        id="placeholder-not-allowed",
    ),
    pytest.param(
        "es",
        "En una emergencia llame al {emergency}.",
        "Bienvenido.",
        "messages/es.yaml:42: error: sms 'welcome' does not use {emergency}",
        id="welcome-without-911",
    ),
    pytest.param(
        "en",
        '  option: "{key}. {title}"',
        '  option: "{key}. {title"',
        "messages/en.yaml:48: error: sms 'option' has an unmatched { or }",
        id="bad-braces",
    ),
    pytest.param(
        "en",
        "    back: [BACK]",
        "    back: [BACK, Help]",
        "messages/en.yaml:56: error: word 'HELP' means both 'back' and 'help' in en",
        id="word-with-two-meanings",
    ),
    pytest.param(
        "es",
        "    menu: [MENU, MENÚ, INICIO]",
        "    menu: [MENU, MENÚ, INICIO, atrás]",
        "messages/es.yaml:51: error: word 'ATRAS' means both 'menu' and 'back' in es",
        id="same-word-without-accents",
    ),
    pytest.param(
        "en",
        "    words: [police]",
        "    words: [police, mayor]",
        "messages/en.yaml:29: error: word 'mayor' means both 'office' and 'police' in en",
        id="topic-word-is-a-command",
    ),
    pytest.param(
        "pt",
        "    language: [PT, PORTUGUÊS, PORTUGUES, PORTUGUESE]",
        "    language: [PT, PORTUGUÊS, ES]",
        "messages/pt.yaml:49: error: language word 'ES' of pt is also a language word of es",
        id="language-word-of-two-languages",
    ),
    pytest.param(
        "en",
        "    words: [ice]",
        "    words: [ice, portugues]",
        "messages/en.yaml:34: error: word 'portugues' is a language word of pt, so texters who "
        "send it switch language instead",
        id="topic-word-is-a-language",
    ),
    pytest.param(
        "en",
        "    help: [HELP, INFO]",
        "    help: [HELP, INFO, Stop]",
        "messages/en.yaml:56: error: word 'Stop' ('help') opts texters out or back in",
        id="twilio-keyword",
    ),
    pytest.param(
        "en",
        "    help: [HELP, INFO]",
        '    help: [HELP, INFO, "1", "?"]',
        "word '1' ('help') has no letters a texter could send",
        id="word-without-letters",
    ),
    pytest.param(
        "es",
        "    language: [ES, ESPAÑOL, ESPANOL, SPANISH]\n",
        "",
        "messages/es.yaml:49: error: sms words have no 'language' words, so texters cannot "
        "switch to es",
        id="no-language-words",
    ),
    pytest.param(
        "en",
        '  switch: "English: EN"',
        '  switch: "English: EN"\n  welcom: "Hello"',
        "messages/en.yaml:48: warning: unknown field 'welcom' in sms; it is ignored\n"
        "    Hint: did you mean 'welcome'?",
        id="unknown-field",
    ),
    pytest.param(
        "en",
        "    office: [MAYOR, OFFICE]",
        "    office: [MAYOR, OFFICE]\n    topics: [X]",
        "unknown word meaning 'topics' in sms words; those words do nothing",
        id="unknown-meaning",
    ),
    pytest.param(
        "en",
        "    office: [MAYOR, OFFICE]",
        "    office: MAYOR",
        "messages/en.yaml:57: error: sms words 'office' should be a list of words",
        id="words-not-a-list",
    ),
]


@pytest.mark.parametrize(("code", "old", "new", "expected"), CASES)
def test_broken_sms_sections(content_copy, code, old, new, expected):
    edit(content_copy, code, old, new)
    problems = "\n".join(problems_of(content_copy))
    assert expected in problems


def test_every_problem_is_reported_in_one_run(content_copy):
    edit(content_copy, "en", "    back: [BACK]", "    back: [BACK, HELP, STOP]")
    edit(content_copy, "es", "En una emergencia llame al {emergency}.", "{oops}")
    problems = "\n".join(problems_of(content_copy))
    assert "word 'HELP' means both 'back' and 'help' in en" in problems
    assert "word 'STOP' ('back') opts texters out or back in" in problems
    assert "sms 'welcome' uses {oops}, which it cannot fill" in problems
    assert "sms 'welcome' does not use {emergency}" in problems
