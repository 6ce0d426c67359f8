"""How hard a message is to read: an estimated school grade per language, with no dictionary.

One formula per language, each the one made for it (textstat was tried and not used: its English
syllables need NLTK's cmudict downloaded at run time, which an offline server cannot do; its
Spanish formulas give an ease score, not a grade; it has no Portuguese formula of its own):

- English: Flesch-Kincaid grade level (Kincaid et al., 1975).
- Spanish: Crawford's grade level for Spanish (Crawford, 1984).
- Portuguese: Flesch reading ease as adapted for Brazilian Portuguese (Martins et al., 1996),
  turned into a grade by its published bands (75-100: grades 1-4, 50-75: 5-8, 25-50: 9-12).

Syllables are counted by vowel groups, which is close enough for a warning, not a verdict.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from hotline.content.model import Content
from hotline.content.problems import ProblemList

SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
ENGLISH_VOWELS = re.compile(r"[aeiouy]+")
# A Spanish or Portuguese vowel group is one syllable, except where two strong vowels meet
# (le-er, po-e-ta) or a stressed weak vowel breaks it (dí-a, sa-ú-de): hiatus. A nasal vowel
# leads a diphthong instead (ão, ãe, õe: i-mi-gra-ção).
ROMANCE_VOWELS = re.compile(r"[aeiouáéíóúâêôãõàü]+")
HIATUS = re.compile(r"[aeoáéóâêô](?=[aeoáéóâêôãõ])|[íú](?=[aeiou])|[aeiou](?=[íú])")


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _sentences(text: str) -> int:
    text = text.strip()
    unterminated = 0 if text[-1:] in ".!?" else 1
    return max(1, len(SENTENCE_END.findall(text)) + unterminated)


def english_syllables(word: str) -> int:
    word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    count = len(ENGLISH_VOWELS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1  # a silent final e: "state", "police"
    return max(1, count)


def romance_syllables(word: str) -> int:
    return max(1, len(ROMANCE_VOWELS.findall(word)) + len(HIATUS.findall(word)))


def grade(text: str, language: str) -> float | None:
    """The estimated school grade needed to read `text`; None for a language with no formula."""
    words = _words(text)
    if not words:
        return None
    sentences = _sentences(text)
    base = language.split("-")[0].lower()
    if base == "en":
        syllables = sum(english_syllables(word) for word in words)
        return 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59
    if base in ("es", "pt"):
        syllables = sum(romance_syllables(word) for word in words)
        if base == "es":
            per_100 = 100 / len(words)
            return -0.205 * sentences * per_100 + 0.049 * syllables * per_100 - 3.407
        ease = 248.835 - 1.015 * len(words) / sentences - 84.6 * syllables / len(words)
        return (100 - ease) * 4 / 25
    return None


def check_reading_grade(
    content: Content, problems: ProblemList, line_of: Callable[[str, str], int | None]
) -> None:
    """Warn when a message, as spoken, needs more schooling than `targets: reading_grade`."""
    most = content.targets.reading_grade
    for code, translation in content.translations.items():
        for message_id, text in translation.messages.items():
            needed = grade(text.voice, code)
            if needed is None or needed <= most:
                continue
            problems.warning(
                translation.file,
                line_of(translation.file, message_id),
                f"message '{message_id}' in {code} reads at about school grade {needed:.0f} "
                f"(targets: reading_grade is {most})",
                "use shorter sentences with one idea each, everyday words, the answer first",
            )
