"""What a texter's reply means: a key, a word from the language files, or Twilio's keywords.

Texters write in any case, with or without accents, with stray spaces and punctuation, so words
are compared in a folded form: 'Español!' and 'espanol' are the same word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from hotline.content import schema
from hotline.content.model import MAIN_MENU, Content

# Twilio's opt-out keywords: Twilio answers these itself and stops delivering to an opted-out
# texter, so we only clear the conversation and send nothing.
TWILIO_STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)
# "Stop" in Spanish and Portuguese. Twilio does not act on these, and on WhatsApp carriers' rules
# do not apply, but a resident who asks the line to stop is not written to again: the line sends
# nothing and forgets the conversation, as for Twilio's words.
STOP_WORDS = TWILIO_STOP_WORDS | {"parar", "pare", "detener", "cancelar", "baja", "sair"}
START_WORDS = frozenset({"start", "unstop"})
PHONE_KEYS = frozenset("0123456789*#")
# Meanings of the `words:` lists in a language file's sms section (see schema.SMS_WORDS).
LANGUAGE, MENU, BACK, HELP, OFFICE = schema.LANGUAGE_WORDS, "menu", "back", "help", "office"
TOPIC, STOP, START, KEY = "topic", "stop", "start", "key"
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lowercase, without accents, punctuation or extra spaces: ' ¡Atrás! ' -> 'atras'."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        " " if unicodedata.category(c)[0] in "PSZC" else c
        for c in decomposed
        if not unicodedata.combining(c)
    )
    return _SPACES.sub(" ", kept).strip().casefold()


@dataclass(frozen=True)
class Meaning:
    """What a reply asks for; `value` is the key, language code or node id it names."""

    kind: str
    value: str = ""


def sms_words(content: Content, code: str) -> dict[str, tuple[str, ...]]:
    """The `words:` lists of one language's sms section, by meaning, as written."""
    return dict(content.translations[code].sms.words)


def topic_words(content: Content, code: str) -> dict[str, tuple[str, ...]]:
    """Node id -> words that open that menu or message in one language."""
    translation = content.translations[code]
    return {
        node_id: text.words
        for node_id, text in [*translation.menus.items(), *translation.messages.items()]
        if text.words and node_id != MAIN_MENU
    }


def language_meanings(content: Content, code: str) -> Iterable[tuple[str, Meaning]]:
    """Every (word, meaning) a language file declares, in file order."""
    for meaning, listed in sms_words(content, code).items():
        value = code if meaning == LANGUAGE else ""
        for word in listed:
            yield word, Meaning(meaning, value)
    for node_id, listed in topic_words(content, code).items():
        for word in listed:
            yield word, Meaning(TOPIC, node_id)


class WordIndex:
    """Looks up replies for one version of the content."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self.codes = tuple(language.code for language in content.languages)
        self._by_language: dict[str, dict[str, Meaning]] = {}
        self._languages: dict[str, str] = {}
        for code in self.codes:
            words: dict[str, Meaning] = {}
            for word, meaning in language_meanings(content, code):
                folded = fold(word)
                if folded and folded not in words:
                    words[folded] = meaning
                if meaning.kind == LANGUAGE and folded:
                    self._languages.setdefault(folded, code)
            self._by_language[code] = words

    def meaning(self, body: str, code: str) -> Meaning | None:
        """What `body` asks for in a conversation in language `code`, or None if unknown.

        Twilio's keywords come first, then language names, then the words of the texter's
        language, then those of the other languages (in the order of settings.yaml).
        """
        stripped = body.strip()
        if stripped in PHONE_KEYS and stripped:
            return Meaning(KEY, stripped)
        folded = fold(body)
        if len(folded) == 1 and folded in PHONE_KEYS:
            return Meaning(KEY, folded)
        if folded in STOP_WORDS:
            return Meaning(STOP)
        if folded in START_WORDS:
            return Meaning(START)
        if folded in self._languages:
            return Meaning(LANGUAGE, self._languages[folded])
        for other in (code, *self.codes):
            meaning = self._by_language.get(other, {}).get(folded)
            if meaning is not None:
                return meaning
        return None

    def language_of(self, body: str) -> str | None:
        """The one language whose words include `body`, for greeting a first message in it."""
        folded = fold(body)
        if folded in self._languages:
            return self._languages[folded]
        owners = [code for code in self.codes if folded in self._by_language[code]]
        return owners[0] if len(owners) == 1 else None
