"""How long speech takes: words counted as a voice says them, at a language's words per minute.

Counting words rather than letters follows the content review of 2026-12, which checked the
count against speech synthesis: numbers are written for speech ("4 1 3, 5 8 7"), so each digit
is a word, as it is when spoken.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

# A sentence ends at . ! ? and a space, except after initials such as "I.C.E." when the next word
# goes on in lower case ("I.C.E. operations").
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
_INITIALS = re.compile(r"(?:\b[A-Z]\.){2,}$")


def spoken_words(text: str) -> int:
    """Words a voice says: every run of characters between spaces with a letter or digit."""
    return sum(1 for token in text.split() if any(c.isalnum() for c in token))


def seconds(text: str, words_per_minute: int) -> float:
    return spoken_words(text) * 60 / words_per_minute


def sentences(text: str) -> list[str]:
    """The sentences of one <Say>, in order."""
    found: list[str] = []
    for part in _SENTENCE_BREAK.split(text.strip()):
        if found and _INITIALS.search(found[-1]) and part[:1].islower():
            found[-1] += " " + part
        elif part:
            found.append(part)
    return found


# Menus repeat the same navigation sentences, and a tree's checks time each document many times.
@functools.lru_cache(maxsize=8192)
def sentence_words(text: str) -> tuple[tuple[str, int], ...]:
    """The sentences of one <Say>, each with the words a voice says in it."""
    return tuple((sentence, spoken_words(sentence)) for sentence in sentences(text))


@dataclass(frozen=True)
class Said:
    """One <Say> of a document: its text, its Twilio language, and whether a key can cut it."""

    text: str
    language: str
    in_gather: bool


def said(document: str, until: str = "") -> list[Said]:
    """The <Say>s of a TwiML document in the order a caller hears them, up to a verb `until`."""
    found: list[Said] = []

    def walk(element: ET.Element, in_gather: bool) -> bool:
        for child in element:
            if child.tag == until:
                return False
            if child.tag == "Say":
                found.append(Said(child.text or "", child.get("language", ""), in_gather))
            elif not walk(child, in_gather or child.tag == "Gather"):
                return False
        return True

    walk(ET.fromstring(document), False)
    return found
