"""The shipped tree by text: every message, in every language, by numbers and by words."""

from __future__ import annotations

import pytest
from flask import Flask

from hotline.content.model import MAIN_MENU, Content
from hotline.services import services_of
from hotline.sms.words import sms_words
from hotline.wording import fill, text_values
from tests.sms_sim import Texter
from tests.tree_walk import key_trails


def content_of(app: Flask) -> Content:
    return services_of(app).store.content


def parents(content: Content) -> dict[str, str]:
    return {option.target: menu.id for menu in content.menus.values() for option in menu.options}


def key_for(content: Content, menu_id: str, target: str) -> str:
    return next(o.key for o in content.menus[menu_id].options if o.target == target)


def start(app: Flask, code: str) -> Texter:
    texter = Texter(app.test_client(use_cookies=False))
    texter.send(sms_words(content_of(app), code)["language"][0])
    return texter


def expected_text(content: Content, code: str, message_id: str) -> str:
    return fill(content.translations[code].messages[message_id].text, text_values(content))


def test_every_message_in_every_language_by_numbers(shipped_app):
    content = content_of(shipped_app)
    trails = key_trails(content)
    for language in content.languages:
        for message_id in content.messages:
            texter = start(shipped_app, language.code)
            for key in trails[message_id]:
                texter.send(key)
            first = expected_text(content, language.code, message_id)[:200]
            assert texter.text.startswith(first), (language.code, message_id)


def test_every_message_in_every_language_by_words(shipped_app):
    """A message's own words open it; one without words is reached from its menu's words."""
    content = content_of(shipped_app)
    up = parents(content)
    unreachable = []
    for language in content.languages:
        translation = content.translations[language.code]
        for message_id in content.messages:
            expected = expected_text(content, language.code, message_id)[:200]
            for word in translation.messages[message_id].words:
                # From deep in another branch, so the word does the work, not the position.
                texter = start(shipped_app, language.code).send("1").send("1")
                assert texter.send(word).text.startswith(expected), (language.code, word)
            if translation.messages[message_id].words:
                continue
            node, keys = message_id, []
            while node in up and not (node in translation.menus and translation.menus[node].words):
                keys.insert(0, key_for(content, up[node], node))
                node = up[node]
            if node == MAIN_MENU or node not in translation.menus:
                unreachable.append(f"{language.code}:{message_id}")
                continue
            texter = start(shipped_app, language.code).send(translation.menus[node].words[0])
            for key in keys:
                texter.send(key)
            assert texter.text.startswith(expected), (language.code, message_id)
    assert not unreachable, f"no word leads to these messages: {unreachable}"


@pytest.mark.parametrize("step", ["welcome", "help", "office", "not_understood"])
def test_every_reply_fits_twilio_in_every_language(shipped_app, step):
    content = content_of(shipped_app)
    for language in content.languages:
        words = sms_words(content, language.code)
        texter = start(shipped_app, language.code)
        body = {"welcome": "START", "help": words["help"][0], "office": "0"}.get(step, "???")
        texter.send(body)  # the driver checks Message-only TwiML and lengths
        assert texter.replies
        if step in ("help", "office"):
            assert "413-587-1249" in texter.text
        if step in ("welcome", "help"):
            assert "911" in texter.text


def test_every_language_word_switches_language(shipped_app):
    content = content_of(shipped_app)
    welcomes = {
        language.code: fill(
            content.translations[language.code].sms.sentence("welcome"), text_values(content)
        )
        for language in content.languages
    }
    for language in content.languages:
        for other in content.languages:
            for word in sms_words(content, other.code)["language"]:
                texter = start(shipped_app, language.code)
                assert texter.send(word).text.startswith(welcomes[other.code]), word
