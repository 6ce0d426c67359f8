"""Caller time: how long from the start of a call until a caller has heard an answer.

Counted on the documents the voice renderer sends, in words at each language's words per minute
(settings.yaml), as the content review of 2026-12 defines it:

- **barge-in**: at the greeting and at each menu the caller presses as soon as the sentence naming
  their key has been said; at the message, they listen up to and including its first sentence
  (the answer: messages are written answer first).
- **listens fully**: the caller hears the greeting and every menu to its end before pressing.

Besides each menu and message, two places every caller may need: the office's number (heard up
to its last digit, the first time it is said) and the transfer to the office (up to the <Dial>).
The delay of each key press and of the voice starting is not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hotline.content.model import MAIN_MENU, Content, Language
from hotline.navigation import MAIN, OFFICE_PAGE, Trail, shortest_trails
from hotline.voice.offline import addresses
from hotline.voice.speech import Said, said, sentence_words, sentences
from hotline.voice.twiml import VoiceRenderer
from hotline.wording import fill, key_name, voice_values

# Two places that are not content ids, as they appear in timings and in `hotline map --timing`.
OFFICE_NUMBER = "office-number"
TRANSFER = "office-transfer"
# Only so the renderer builds the transfer: a made-up number that reaches no one.
_HOTLINE = "+14135550100"
_NOON = dt.datetime(2026, 2, 5, 17, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Timing:
    node_id: str  # a menu or message id, OFFICE_NUMBER or TRANSFER
    keys: tuple[str, ...]  # every key pressed, the language's first
    barge_in: float  # seconds until heard, pressing as soon as the key is named
    listens_fully: float  # seconds until heard, hearing every menu to its end

    @property
    def what(self) -> str:
        if self.node_id == OFFICE_NUMBER:
            return "the office's number"
        if self.node_id == TRANSFER:
            return "the transfer to the office"
        return f"the answer of '{self.node_id}'"


def caller_seconds(content: Content, code: str) -> dict[str, float]:
    """Seconds until each menu, message and office place is heard, pressing as soon as named."""
    return {timing.node_id: timing.barge_in for timing in timings(content, code)}


def timings(content: Content, code: str, renderer: VoiceRenderer | None = None) -> list[Timing]:
    """Caller time of every reachable menu and message, then the office's number and transfer."""
    language = content.language(code)
    if language is None or not language.voice:
        return []  # a recorded language: the length of its recordings is not known here
    with addresses():
        return _Counter(content, language, renderer or VoiceRenderer(content)).timings()


class _Counter:
    def __init__(self, content: Content, language: Language, renderer: VoiceRenderer) -> None:
        self.content = content
        self.language = language
        self.renderer = renderer
        self.prompts = content.translations[language.code].prompts
        self.values = voice_values(content, language.code)
        self.rates = {lang.twilio_language: lang.words_per_minute for lang in content.languages}
        self._documents: dict[Trail, list[Said]] = {}
        self._reached: dict[Trail, tuple[float, float, tuple[str, ...]]] = {}

    # Counting -------------------------------------------------------------------------------

    def _seconds(self, says: list[Said], until: str | None) -> float:
        """Seconds of `says` up to and including the sentence `until` (None: all of them)."""
        total = 0.0
        for say in says:
            rate = self.rates.get(say.language, self.language.words_per_minute)
            for sentence, words in sentence_words(say.text):
                total += words * 60 / rate
                if until is not None and _same(sentence, until):
                    return total
        return total

    def _fill(self, prompt: str, **values: str) -> str:
        return fill(self.prompts.get(prompt, ""), self.values | values)

    def _key(self, key: str) -> str:
        return key_name(key, self.prompts)

    def _key_to(self, menu_id: str, target: str) -> str:
        menu = self.content.menus[menu_id]
        return next(option.key for option in menu.options if option.target == target)

    def _option(self, menu_id: str, target: str) -> str:
        """The sentence naming the option of `menu_id` that leads to `target`."""
        title = self.content.title(target, self.language.code)
        return self._fill("option", title=title, key=self._key(self._key_to(menu_id, target)))

    def _document(self, trail: Trail) -> list[Said]:
        if trail not in self._documents:
            if trail == MAIN:
                document = self.renderer.choose_language(self.language.key, 1)
            else:
                document = self.renderer.node(self.language.code, trail)
            self._documents[trail] = said(document)
        return self._documents[trail]

    # Places ---------------------------------------------------------------------------------

    def timings(self) -> list[Timing]:
        greeting = said(self.renderer.greeting(1))
        language_line = self._fill("choose_language", key=self._key(self.language.key))
        start = (self._seconds(greeting, language_line), self._seconds(greeting, None))
        found = [
            self._place(node_id, trail, start)
            for node_id, trail in shortest_trails(self.content).items()
        ]
        return found + self._office(start)

    def _place(self, node_id: str, trail: Trail, start: tuple[float, float]) -> Timing:
        barge, full, keys = self._reach(trail, start)
        answer = self._answer(node_id)
        heard = self._seconds(self._document(trail), answer)
        return Timing(node_id, keys, round(barge + heard, 1), round(full + heard, 1))

    def _reach(
        self, trail: Trail, start: tuple[float, float]
    ) -> tuple[float, float, tuple[str, ...]]:
        """Seconds until the caller has pressed the last key of `trail` (barge-in, in full), and
        the keys; worked out once per menu, so a tree of thousands of nodes is counted in one pass.
        """
        if trail not in self._reached:
            if len(trail) == 1:
                self._reached[trail] = (*start, (self.language.key,))
            else:
                barge, full, keys = self._reach(trail[:-1], start)
                menu_id, target = trail[-2], trail[-1]
                says = self._document(trail[:-1])
                self._reached[trail] = (
                    barge + self._seconds(says, self._option(menu_id, target)),
                    full + self._seconds(says, None),
                    (*keys, self._key_to(menu_id, target)),
                )
        return self._reached[trail]

    def _answer(self, node_id: str) -> str | None:
        """The first sentence of a message, or of a menu's document: what the caller waits for."""
        if node_id in self.content.messages:
            text = self.content.translations[self.language.code].messages[node_id]
            first = sentences(fill(text.voice, self.values))
            return first[0] if first else None
        says = self._document(shortest_trails(self.content)[node_id])
        first = sentences(says[0].text) if says else []
        return first[0] if first else None

    def _office(self, start: tuple[float, float]) -> list[Timing]:
        """The office's number and the transfer, by the office key from the main menu."""
        office_key = self.content.keys.office
        main = self._document(MAIN)
        office_line = self._fill("office", key=self._key(office_key))
        barge = start[0] + self._seconds(main, office_line)
        full = start[1] + self._seconds(main, None)
        page = said(self.renderer.node(self.language.code, (MAIN_MENU, OFFICE_PAGE)))
        number = self.values["office_phone"]
        details = sentences(self._fill("office_details", key=self._key(office_key)))
        number_line = next((line for line in details if number in line), None)
        # The sentence that says to press the office key again, to be connected.
        connect_line = next(
            (
                line
                for line in details
                if number not in line and self._key(office_key) in line.rstrip(".").split()
            ),
            None,
        )
        to_number = self._seconds(page, number_line)
        to_connect = self._seconds(page, connect_line)
        dial = self.renderer.key_press(
            self.language.code, (MAIN_MENU, OFFICE_PAGE), office_key, 1, _HOTLINE, _NOON
        )
        to_dial = self._seconds(said(dial, until="Dial"), None)
        keys = (self.language.key, office_key)
        return [
            Timing(OFFICE_NUMBER, keys, round(barge + to_number, 1), round(full + to_number, 1)),
            Timing(
                TRANSFER,
                (*keys, office_key),
                round(barge + to_connect + to_dial, 1),
                round(full + to_connect + to_dial, 1),
            ),
        ]


def _same(sentence: str, wanted: str) -> bool:
    wanted = wanted.strip()
    return bool(wanted) and wanted in sentence
