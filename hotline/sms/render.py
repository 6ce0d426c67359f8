"""Replies to text messages, as pure functions of content, conversation and the text received.

No Flask here. The body a texter sends is only ever looked up, never echoed, so nothing they
write reaches TwiML. Every reply depends only on the content and the place in the tree, so
documents are cached per content version.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from twilio.twiml.messaging_response import MessagingResponse

from hotline.content.model import Content
from hotline.navigation import (
    MAIN,
    GoTo,
    Repeat,
    ToOffice,
    Trail,
    is_menu,
    press,
    shortest_trails,
)
from hotline.sms.channel import SMS, TextChannel
from hotline.sms.session import Conversation
from hotline.sms.split import split_text
from hotline.sms.words import (
    BACK,
    HELP,
    KEY,
    LANGUAGE,
    MENU,
    OFFICE,
    START,
    STOP,
    TOPIC,
    WordIndex,
)
from hotline.whatsapp.codes import place_of
from hotline.wording import fill

CACHE_SIZE = 4096
# One language per line: a separator such as '·' is not in GSM-7 and would make every English
# reply UCS-2, at 67 characters a segment instead of 153.
SWITCH_SEPARATOR = "\n"
# What a first text may ask for besides a topic, and the reply it gets (911 line first).
FIRST_ANSWERS = {HELP: "first_help", OFFICE: "first_office"}


@dataclass(frozen=True)
class Reply:
    """The TwiML to send back, and the conversation to keep (None: forget it)."""

    document: str
    conversation: Conversation | None


def document(*texts: str, split: Callable[[str], list[str]] = split_text) -> str:
    """A <Response> with the texts joined and split into <Message>s Twilio accepts."""
    response = MessagingResponse()
    for piece in split("\n\n".join(text for text in texts if text.strip())):
        response.message(piece)
    return str(response)


class SmsRenderer:
    """Renders every text reply for one version of the content, as one channel shows it."""

    def __init__(self, content: Content, channel: TextChannel = SMS) -> None:
        self.content = content
        self.channel = channel
        self.words = WordIndex(content)
        self.trails = shortest_trails(content)
        self._values = channel.values(content)
        self._document = functools.lru_cache(maxsize=CACHE_SIZE)(self._render)

    # Reading a reply ------------------------------------------------------------------------

    def reply(self, conversation: Conversation | None, body: str) -> Reply:
        """What to answer `body`, and where the conversation is afterwards."""
        if self.channel.stateless and (place := place_of(self.content, body)) is not None:
            # A code names its language and place itself: no conversation needed (WhatsApp).
            return self._at("office" if place.office else "node", place.language, place.trail)
        code = conversation.language if conversation else self.content.default_language
        meaning = self.words.meaning(body, code)
        kind = meaning.kind if meaning else None
        if kind == STOP:
            if not self.channel.confirms_stop:
                return Reply(document(), None)
            # The same in every language (see _stopped): cached once, under the default one.
            return Reply(self._document("stopped", self.content.default_language, MAIN), None)
        if conversation is None:
            # A first message gets the welcome, in the language it is in, unless it asks for
            # something the line has: then the answer, after the 911 line. (Without a cookie
            # every WhatsApp message is a first one: HELP must still help.)
            if meaning is not None and kind == LANGUAGE:
                return self._at("welcome", meaning.value, MAIN)
            code = self.words.language_of(body) or code
            if kind == TOPIC and meaning is not None and meaning.value in self.trails:
                return self._at("first_node", code, self.trails[meaning.value])
            if kind in (HELP, OFFICE):
                return self._at(FIRST_ANSWERS[kind], code, MAIN)
            return self._at("welcome", code, MAIN)
        trail = conversation.trail
        if kind == START:
            return self._at("welcome", code, MAIN)
        if kind == LANGUAGE and meaning is not None:
            return self._at("welcome" if trail == MAIN else "node", meaning.value, trail)
        if kind == MENU:
            return self._at("node", code, MAIN)
        if kind == BACK:
            return self._at("node", code, trail[:-1] or MAIN)
        if kind == HELP:
            return self._at("help", code, trail)
        if kind == OFFICE:
            return self._at("office", code, trail)
        if kind == TOPIC and meaning is not None and meaning.value in self.trails:
            return self._at("node", code, self.trails[meaning.value])
        if kind == KEY and meaning is not None:
            return self._key(code, trail, meaning.value)
        return self._at("not_understood", code, self._menu_of(trail))

    def _key(self, code: str, trail: Trail, key: str) -> Reply:
        # After a message, a number picks from the menu above it (navigation.press).
        step = press(self.content, trail, key)
        if isinstance(step, GoTo | Repeat):
            return self._at("node", code, step.trail)
        if isinstance(step, ToOffice):
            return self._at("office", code, step.trail)
        return self._at("not_understood", code, self._menu_of(trail))

    def _menu_of(self, trail: Trail) -> Trail:
        return trail if is_menu(self.content, trail) else trail[:-1] or MAIN

    def _at(self, kind: str, code: str, trail: Trail) -> Reply:
        return Reply(self._document(kind, code, trail), Conversation(code, trail))

    # Writing a reply ------------------------------------------------------------------------

    def render(self, kind: str, code: str, trail: Trail) -> str:
        """One reply document: welcome, help, office, not_understood, node (menu or message), or
        a first text's answer: first_help, first_office, first_node."""
        return self._document(kind, code, trail)

    def _write(self, *texts: str) -> str:
        return document(*texts, split=self.channel.split)

    def _render(self, kind: str, code: str, trail: Trail) -> str:
        if kind == "stopped":
            return self._stopped()
        if kind == "welcome":
            return self._write(self.welcome_text(code))
        if kind == "help":
            return self._write(self._sms(code, "help"), self._switches(code))
        if kind == "office":
            return self._write(self._sms(code, "office"), self._sms(code, "navigation"))
        if kind == "not_understood":
            return self._write(self._sms(code, "not_understood"), self._node(code, trail))
        if kind == "first_help":
            # help has the 911 number already (hotline check makes sure).
            return self._write(self._sms(code, "help"), self._sms(code, "more"))
        if kind == "first_office":
            return self._write(
                self._sms(code, "emergency"), self._sms(code, "office"), self._sms(code, "more")
            )
        if kind == "first_node":
            # A texter who has seen no menu yet: the answer, then how to see the menu.
            return self._write(
                self._sms(code, "emergency"), self._node(code, trail, self._sms(code, "more"))
            )
        return self._write(self._node(code, trail))

    def welcome_text(self, code: str) -> str:
        """The first reply: what the line is and 911, the main menu, the other languages."""
        parts = (self._sms(code, "welcome"), self._options(code, MAIN), self._switches(code))
        return "\n\n".join(part for part in parts if part)

    def _stopped(self) -> str:
        """The confirmation of an opt-out, in every language that has one: a stop word does not
        say which language its sender reads (PARAR is Spanish and Portuguese), and on WhatsApp
        no conversation says it either."""
        texts = [
            self._sms(lang.code, "stopped")
            for lang in self.content.languages
            if self.content.translations[lang.code].sms.sentences.get("stopped", "").strip()
        ]
        return self._write("\n".join(texts)) if texts else document()

    def _sms(self, code: str, name: str) -> str:
        """One sentence of a language's sms section, filled for reading."""
        return fill(self.content.translations[code].sms.sentence(name), self._values)

    def _node(self, code: str, trail: Trail, navigation: str = "") -> str:
        """A menu with its numbered options, or a message's text, then how to move on."""
        if is_menu(self.content, trail) or not navigation:
            navigation = self._sms(code, "navigation")
        if is_menu(self.content, trail):
            menu_text = self.content.translations[code].menus[trail[-1]]
            heading = self.channel.heading(menu_text.intro or _capital(menu_text.title))
            return "\n\n".join(
                part for part in (heading, self._options(code, trail), navigation) if part
            )
        message = self.content.translations[code].messages[trail[-1]]
        title_of = self.channel.message_title
        title = title_of(_capital(message.title)) if title_of else ""
        text = fill(self.channel.text(message), self._values)
        return "\n\n".join(part for part in (title, text, navigation) if part)

    def _options(self, code: str, trail: Trail) -> str:
        template = self._sms(code, "option")
        return "\n".join(
            fill(
                template,
                {
                    "key": self.channel.option_key(self.content, code, trail, option.key),
                    "title": _capital(self.content.title(option.target, code)),
                },
            )
            for option in self.content.menus[trail[-1]].options
        )

    def _switches(self, code: str) -> str:
        """How to change language: every other language's entry, such as 'Español: ES'."""
        return SWITCH_SEPARATOR.join(
            switch
            for language in self.content.languages
            if language.code != code and (switch := self._sms(language.code, "switch"))
        )

    # When something breaks ------------------------------------------------------------------

    def safe_reply(self, code: str | None) -> str:
        """A short safe reply: the 911 notice and how to reach the office."""
        return self._write(self._sms(self._code_or_default(code), "problem"))

    def paused(self, code: str | None) -> str:
        """The one notice to a sender past the text limit: replies pause; 911 and the office."""
        return self._write(self._sms(self._code_or_default(code), "paused"))

    def _code_or_default(self, code: str | None) -> str:
        content = self.content
        lang = content.language(code or "") or content.language(content.default_language)
        assert lang is not None
        return lang.code


def _capital(title: str) -> str:
    """'city services' -> 'City services': a menu line starts a sentence when read."""
    return title[:1].upper() + title[1:]
