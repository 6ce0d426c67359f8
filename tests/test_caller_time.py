"""Caller time on the shipped tree: the targets of issue 12, counted by hotline.voice.caller_time.

Seconds from the start of a call until the caller has heard the answer, pressing each key as soon
as the sentence naming it is said, at each language's words per minute (settings.yaml).
"""

from __future__ import annotations

import pytest

from hotline.content.load import load_content
from hotline.content.model import Content
from hotline.voice.caller_time import OFFICE_NUMBER, TRANSFER, caller_seconds, timings
from tests.conftest import REPO_ROOT
from tests.test_check_first_minute import copy_of_shipped

LANGUAGES = ("en", "es", "pt")
TARGETS = {"police-status": 20.0, OFFICE_NUMBER: 20.0, TRANSFER: 15.0}


@pytest.fixture(scope="module")
def shipped() -> Content:
    result = load_content(REPO_ROOT / "menus", REPO_ROOT / "messages")
    assert result.content is not None
    return result.content


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_answers_residents_ask_most_come_within_the_targets(shipped, code) -> None:
    seconds = caller_seconds(shipped, code)
    for place, target in TARGETS.items():
        assert 0 < seconds[place] <= target, (code, place, seconds[place])


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_menu_and_message_is_timed_and_listening_fully_takes_longer(shipped, code) -> None:
    found = {timing.node_id: timing for timing in timings(shipped, code)}
    assert set(found) == {*shipped.menus, *shipped.messages, OFFICE_NUMBER, TRANSFER}
    for timing in found.values():
        assert timing.listens_fully >= timing.barge_in > 0
    language = shipped.language(code)
    assert language is not None
    assert found["police-status"].keys == (language.key, "1", "1")
    assert found[TRANSFER].keys == (language.key, "0", "0")


def test_a_slower_voice_setting_makes_every_answer_later(shipped, tmp_path) -> None:
    copy_of_shipped(tmp_path)
    settings = tmp_path / "menus" / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("words_per_minute: 165", "words_per_minute: 110"), "utf-8")
    slower = load_content(tmp_path / "menus", tmp_path / "messages").content
    assert slower is not None
    before, after = caller_seconds(shipped, "es"), caller_seconds(slower, "es")
    assert all(after[place] > before[place] for place in before)


def test_the_published_figures_are_the_tools(shipped) -> None:
    from hotline.treemap import timing_table

    published = (REPO_ROOT / "bench" / "CALLER_TIME.md").read_text(encoding="utf-8")
    assert published.endswith(timing_table(shipped, list(LANGUAGES))), "run: hotline map --timing"
