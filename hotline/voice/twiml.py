"""TwiML for calls, as pure functions of content, language and place in the tree.

No Flask here. Everything but the office transfer depends only on the content, so documents are
cached per content version and a key press costs a dictionary lookup after the first caller.
"""

from __future__ import annotations

import datetime as dt
import functools

from twilio.twiml.voice_response import Gather, VoiceResponse

from hotline.content.model import Content, Language
from hotline.navigation import (
    MAIN,
    OFFICE_PAGE,
    GoTo,
    NotAnOption,
    OfficePage,
    Repeat,
    ToOffice,
    Trail,
    is_menu,
    is_office_page,
    move_at,
    valid_trail,
)
from hotline.phone import E164
from hotline.voice import urls
from hotline.wording import fill, key_name, voice_values

CACHE_SIZE = 8192
COMPLETED_DIAL_STATUSES = frozenset({"completed", "answered"})


def hotline_number(value: str | None) -> str | None:
    """The hotline's own number if it looks like one, for use as the transfer's caller ID."""
    return value if value and E164.match(value) else None


class VoiceRenderer:
    """Renders every voice document for one version of the content."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._voice_values = {
            lang.code: voice_values(content, lang.code) for lang in content.languages
        }
        self._greeting = functools.lru_cache(maxsize=16)(self._render_greeting)
        self._node = functools.lru_cache(maxsize=CACHE_SIZE)(self._render_node)

    # Speaking ------------------------------------------------------------------------------

    def _say(
        self, parent: VoiceResponse | Gather, lang: Language, prompt: str, **values: str
    ) -> None:
        """Add one prompt in the language's voice, or its recording where there is one."""
        translation = self.content.translations[lang.code]
        recording = translation.prompt_recordings.get(prompt)
        if recording:
            parent.play(recording)
            return
        text = fill(translation.prompts.get(prompt, ""), self._values(lang) | values)
        self._say_text(parent, lang, text)

    def _say_text(self, parent: VoiceResponse | Gather, lang: Language, text: str) -> None:
        if text.strip() and lang.voice:
            parent.say(text, voice=lang.voice, language=lang.twilio_language)

    def _values(self, lang: Language) -> dict[str, str]:
        return self._voice_values[lang.code]

    def _key(self, lang: Language, key: str) -> str:
        return key_name(key, self.content.translations[lang.code].prompts)

    def _gather(self, action: str) -> Gather:
        # One key is a whole answer, and '#' is a navigation key, so no key ends input early.
        return Gather(
            num_digits=1,
            finish_on_key="",
            timeout=self.content.voice.wait_seconds,
            action=action,
            method="POST",
        )

    # Greeting -------------------------------------------------------------------------------

    def greeting(self, attempt: int = 1) -> str:
        return self._greeting(max(1, min(attempt, self.content.voice.tries)))

    def _render_greeting(self, attempt: int) -> str:
        content = self.content
        response = VoiceResponse()
        default = content.language(content.default_language)
        assert default is not None  # validated at load
        # The languages first, then 911: a caller who chooses hears 911 next in their own
        # language (see _render_node), so no one waits through a language they do not speak.
        gather = self._gather(urls.choose_language(attempt))
        for lang in content.languages:
            self._say(gather, lang, "choose_language", key=self._key(lang, lang.key))
        self._say(gather, default, "emergency")
        response.append(gather)
        self._after_silence(response, default, urls.greeting(attempt + 1), attempt)
        return str(response)

    def choose_language(self, digits: str, attempt: int) -> str:
        lang = self.content.language_for_key(digits)
        if lang is not None:
            return self._node(lang.code, MAIN, 1, False, True)
        if attempt >= self.content.voice.tries:
            return self.goodbye(self.content.default_language)
        return self.greeting(attempt + 1)

    # Menus and messages ---------------------------------------------------------------------

    def node(self, code: str, trail: Trail, attempt: int = 1, after_mistake: bool = False) -> str:
        """The document for a place in the tree; unknown places fall back to the main menu."""
        if self.content.language(code) is None:
            return self.greeting(1)
        checked = valid_trail(self.content, trail) or MAIN
        attempt = max(1, min(attempt, self.content.voice.tries))
        return self._node(code, checked, attempt, after_mistake, False)

    def _render_node(
        self, code: str, trail: Trail, attempt: int, after_mistake: bool, chosen: bool
    ) -> str:
        """One place in the tree; `chosen`: the language was just chosen, so 911 comes first."""
        lang = self.content.language(code)
        assert lang is not None
        response = VoiceResponse()
        if after_mistake:
            self._say(response, lang, "not_an_option")
        gather = self._gather(urls.key(code, trail, attempt))
        if chosen:
            # The first words after the language choice; a key press skips it.
            self._say(gather, lang, "emergency")
        if is_office_page(trail):
            self._say(gather, lang, "office_details", key=self._key(lang, self.content.keys.office))
            self._navigation_prompt(gather, lang, trail)
        elif is_menu(self.content, trail):
            self._menu_prompt(gather, lang, trail)
        else:
            if attempt == 1 and not after_mistake:
                self._message(gather, lang, trail[-1])
            self._navigation_prompt(gather, lang, trail)
        response.append(gather)
        self._after_silence(response, lang, urls.node(code, trail, attempt + 1), attempt)
        return str(response)

    def _menu_prompt(self, gather: Gather, lang: Language, trail: Trail) -> None:
        translation = self.content.translations[lang.code]
        menu_text = translation.menus[trail[-1]]
        if trail == MAIN:
            # The office first: a caller who wants to talk to someone should not wait for it.
            self._say(gather, lang, "office", key=self._key(lang, self.content.keys.office))
        if menu_text.recording:
            gather.play(menu_text.recording)
        else:
            self._say_text(gather, lang, self.menu_text(lang.code, trail[-1]))
        self._navigation_prompt(gather, lang, trail)

    def menu_text(self, code: str, menu_id: str) -> str:
        """What a menu says in one <Say>: its intro, then each option with its key."""
        translation = self.content.translations[code]
        intro = translation.menus[menu_id].intro
        lines = [intro] if intro else []
        option_prompt = translation.prompts.get("option", "")
        lang = self.content.language(code)
        assert lang is not None
        for option in self.content.menus[menu_id].options:
            title = self.content.title(option.target, code)
            lines.append(fill(option_prompt, {"title": title, "key": self._key(lang, option.key)}))
        return " ".join(lines)

    def _message(self, gather: Gather, lang: Language, message_id: str) -> None:
        text = self.content.translations[lang.code].messages[message_id]
        if text.recording:
            gather.play(text.recording)
        else:
            self._say_text(gather, lang, fill(text.voice, self._values(lang)))

    def _navigation_prompt(self, gather: Gather, lang: Language, trail: Trail) -> None:
        keys = self.content.keys
        names = ["repeat"]
        if trail != MAIN:
            names += ["back"] if len(trail) > 2 else []
            names += ["main_menu"]
        if trail != MAIN and not is_office_page(trail):
            names += ["office"]
        translation = self.content.translations[lang.code]
        if any(name in translation.prompt_recordings for name in names):
            for name in names:
                self._say(gather, lang, name, key=self._key(lang, getattr(keys, name)))
            return
        # One <Say> for the whole hint keeps documents small and the voice's pace natural.
        text = " ".join(
            fill(translation.prompts.get(name, ""), {"key": self._key(lang, getattr(keys, name))})
            for name in names
        )
        self._say_text(gather, lang, text)

    def _after_silence(
        self, response: VoiceResponse, lang: Language, retry_url: str, attempt: int
    ) -> None:
        """No key pressed: ask again, or after the last try say goodbye with the office number."""
        if attempt >= self.content.voice.tries:
            self._say(response, lang, "goodbye")
            response.hangup()
        else:
            response.redirect(retry_url, method="POST")

    def goodbye(self, code: str) -> str:
        lang = self.content.language(code)
        assert lang is not None
        response = VoiceResponse()
        self._say(response, lang, "goodbye")
        response.hangup()
        return str(response)

    # Keys -----------------------------------------------------------------------------------

    def key_press(
        self,
        code: str,
        trail: Trail,
        digits: str,
        attempt: int,
        hotline: str | None,
        now: dt.datetime,
    ) -> str:
        """The document after a key press at a place in the tree."""
        if self.content.language(code) is None:
            return self.greeting(1)
        step = move_at(self.content, trail, digits)
        if step is None:
            return self.node(code, MAIN)
        if isinstance(step, GoTo | Repeat):
            return self.node(code, step.trail)
        if isinstance(step, OfficePage):
            return self.node(code, (*step.trail, OFFICE_PAGE))
        if isinstance(step, ToOffice):
            return self.office(code, step.trail, hotline, now)
        assert isinstance(step, NotAnOption)
        if not digits:
            # Twilio posts no digits only if the caller hung up mid-gather; ask again calmly.
            return self.node(code, step.trail, attempt + 1)
        if attempt >= self.content.voice.tries:
            return self.goodbye(code)
        return self.node(code, step.trail, attempt + 1, after_mistake=True)

    # The Mayor's office ---------------------------------------------------------------------

    def office(self, code: str, trail: Trail, hotline: str | None, now: dt.datetime) -> str:
        """Transfer to the office, or say how to reach it when closed or when it cannot be done."""
        content = self.content
        lang = content.language(code)
        if lang is None:
            return self.greeting(1)
        trail = valid_trail(content, trail) or MAIN
        office = content.office
        response = VoiceResponse()
        caller_id = hotline_number(hotline)
        if office.hours is not None and not office.hours.is_open(now):
            self._say(response, lang, "office_closed")
            self._say(response, lang, "office_hours")
            response.redirect(self._back_from_office(code, trail), method="POST")
            return str(response)
        if caller_id is None and not office.show_caller_number:
            # Without the hotline's own number Twilio would show the caller's: never do that.
            self._say(response, lang, "office_unavailable")
            response.redirect(self._back_from_office(code, trail), method="POST")
            return str(response)
        self._say(response, lang, "connecting")
        if not office.show_caller_number:
            self._say(response, lang, "number_hidden")
        dial_options = {
            "action": urls.office_result(code, trail),
            "method": "POST",
            "timeout": office.dial_timeout,
        }
        if not office.show_caller_number:
            dial_options["caller_id"] = caller_id
        response.dial(office.phone, **dial_options)
        return str(response)

    def _back_from_office(self, code: str, trail: Trail) -> str:
        """Where a caller returns when the office cannot be reached."""
        # After a message, only its options: the caller has just heard it.
        return urls.node(code, trail, 1 if is_menu(self.content, trail) else 2)

    def office_result(self, code: str, trail: Trail, dial_status: str) -> str:
        lang = self.content.language(code)
        if lang is None:
            return self.greeting(1)
        trail = valid_trail(self.content, trail) or MAIN
        response = VoiceResponse()
        if dial_status in COMPLETED_DIAL_STATUSES:
            self._say(response, lang, "call_ended")
            response.hangup()
        else:
            self._say(response, lang, "office_unavailable")
            response.redirect(self._back_from_office(code, trail), method="POST")
        return str(response)

    # When something breaks ------------------------------------------------------------------

    def safe_reply(self, code: str | None, hotline: str | None) -> str:
        """The 911 notice, the office number, and a transfer to the office."""
        lang = self.content.language(code or "") or self.content.language(
            self.content.default_language
        )
        assert lang is not None
        response = VoiceResponse()
        self._say(response, lang, "emergency")
        self._say(response, lang, "problem")
        _dial_office(response, self.content.office.phone, hotline, self.content.office.dial_timeout)
        return str(response)


def _dial_office(response: VoiceResponse, office_phone: str, hotline: str | None, timeout: int):
    caller_id = hotline_number(hotline)
    if caller_id:
        response.dial(office_phone, caller_id=caller_id, timeout=timeout)
