"""Twilio's text-to-speech voices by language, as data, and the check of a language's voice.

A curated copy of Twilio's list (Amazon Polly standard, neural and generative voices, and Google
Standard, WaveNet, Neural2 and Chirp 3 HD voices). `hotline check` rejects a voice that is not
here; when Twilio's console offers a voice missing from this list, add it below.

Checked on 2026-11-28. The voice table of Twilio's text-to-speech page
(https://www.twilio.com/docs/voice/twiml/say/text-speech) could not be read from here: the
stored copies reached only the top of the page. The names were checked instead against the list
of <Say> voices Twilio publishes in its own helper library, generated from its TwiML definitions:
the SayVoice type in src/twiml/VoiceResponse.ts of twilio/twilio-node, release 5.10.0
(2025-09-18). Every voice in that list is here. Not confirmed by it, and kept as written from
memory until someone checks the console: the Polly voices in _POLLY_UNLISTED and the Chirp 3 HD
names in _CHIRP3_HD_UNLISTED. SAY_LIMITS was checked against
https://www.twilio.com/docs/api/errors/13521.
"""

from __future__ import annotations

from collections.abc import Iterable

from hotline.content.problems import did_you_mean

# Longest text one <Say> may hold, by voice family. Twilio's warning 13521 gives these: Polly
# 3000 characters (SSML tags not counted), Google 5000 (tags, newlines and spaces counted).
SAY_LIMITS: dict[str, int] = {"polly": 3000, "google": 5000}

_POLLY_TIERS = {"S": "", "N": "-Neural", "G": "-Generative"}

# Polly voices by Twilio language tag: "Name:tiers", S standard, N neural, G generative.
_POLLY: dict[str, tuple[str, ...]] = {
    "arb": ("Zeina:S",),
    "ar-AE": ("Hala:N", "Zayd:N"),
    "ca-ES": ("Arlet:N",),
    "cmn-CN": ("Zhiyu:SN",),
    "yue-CN": ("Hiujin:N",),
    "cy-GB": ("Gwyneth:S",),
    "da-DK": ("Naja:S", "Mads:S", "Sofie:N"),
    "de-AT": ("Hannah:N",),
    "de-DE": ("Marlene:S", "Vicki:SNG", "Hans:S", "Daniel:NG"),
    "en-AU": ("Nicole:S", "Russell:S", "Olivia:NG"),
    "en-GB": ("Amy:SNG", "Emma:SN", "Brian:SN", "Arthur:N"),
    "en-GB-WLS": ("Geraint:S",),
    "en-IE": ("Niamh:N",),
    "en-IN": ("Aditi:S", "Raveena:S", "Kajal:NG"),
    "en-NZ": ("Aria:N",),
    "en-US": (
        "Danielle:NG",
        "Gregory:N",
        "Ivy:SN",
        "Joanna:SNG",
        "Kendra:SN",
        "Kimberly:SN",
        "Salli:SN",
        "Joey:SN",
        "Justin:SN",
        "Kevin:SN",
        "Matthew:SNG",
        "Ruth:NG",
        "Stephen:NG",
    ),
    "en-ZA": ("Ayanda:NG",),
    "es-ES": ("Conchita:S", "Lucia:SNG", "Enrique:S", "Sergio:NG"),
    "es-MX": ("Mia:SN", "Andres:NG"),
    "es-US": ("Lupe:SNG", "Penelope:S", "Miguel:S", "Pedro:NG"),
    "fi-FI": ("Suvi:N",),
    "fr-BE": ("Isabelle:N",),
    "fr-CA": ("Chantal:S", "Gabrielle:N", "Liam:N"),
    "fr-FR": ("Celine:S", "Lea:SNG", "Mathieu:S", "Remi:N"),
    "hi-IN": ("Aditi:S", "Kajal:N"),
    "is-IS": ("Dora:S", "Karl:S"),
    "it-IT": ("Carla:S", "Bianca:SNG", "Giorgio:S", "Adriano:N"),
    "ja-JP": ("Mizuki:S", "Takumi:SN", "Kazuha:N", "Tomoko:N"),
    "ko-KR": ("Seoyeon:SN",),
    "nb-NO": ("Liv:S", "Ida:N"),
    "nl-BE": ("Lisa:N",),
    "nl-NL": ("Lotte:S", "Ruben:S", "Laura:N"),
    "pl-PL": ("Ewa:S", "Maja:S", "Jacek:S", "Jan:S", "Ola:N"),
    "pt-BR": ("Camila:SN", "Vitoria:SN", "Ricardo:S", "Thiago:N"),
    "pt-PT": ("Ines:SN", "Cristiano:S"),
    "ro-RO": ("Carmen:S",),
    "ru-RU": ("Tatyana:S", "Maxim:S"),
    "sv-SE": ("Astrid:S", "Elin:N"),
    "tr-TR": ("Filiz:S", "Burcu:N"),
}

# Polly generative voices this list carried before the check that Twilio's list (see the module
# docstring) does not name. Kept so as not to reject a voice Twilio may have added since; remove
# one when Twilio's console shows it is not offered. Twilio spells two of them with accents, and
# those spellings are in _ODD_NAMES.
_POLLY_UNLISTED: dict[str, tuple[str, ...]] = {
    "en-US": ("Salli:G",),
    "es-MX": ("Mia:G",),
    "fr-CA": ("Gabrielle:G",),
    "fr-FR": ("Remi:G",),
    "pt-BR": ("Camila:G",),
}

# The Chirp 3 HD voices Twilio lists, for every language below marked with Chirp 3 HD.
_CHIRP3_HD = ["Aoede", "Charon", "Fenrir", "Kore", "Leda", "Orus", "Puck", "Zephyr"]

# Google's other Chirp 3 HD voices. Twilio's list names none of them; this list carried them,
# for these languages only, before the check, and keeps them until the console says otherwise.
_CHIRP3_HD_UNLISTED_LANGUAGES = frozenset({"de-DE", "en-US", "es-ES", "es-US", "fr-FR", "pt-BR"})
_CHIRP3_HD_UNLISTED = [
    "Achernar",
    "Achird",
    "Algenib",
    "Algieba",
    "Alnilam",
    "Autonoe",
    "Callirrhoe",
    "Despina",
    "Enceladus",
    "Erinome",
    "Gacrux",
    "Iapetus",
    "Laomedeia",
    "Pulcherrima",
    "Rasalgethi",
    "Sadachbia",
    "Sadaltager",
    "Schedar",
    "Sulafat",
    "Umbriel",
    "Vindemiatrix",
    "Zubenelgenubi",
]

# Google voices by language tag: the letters of each model, and whether Chirp 3 HD voices exist.
_GOOGLE: dict[str, tuple[str, str, str, bool]] = {
    # language: (Standard, Wavenet, Neural2, Chirp3-HD)
    "af-ZA": ("A", "", "", False),
    "am-ET": ("AB", "AB", "", False),
    "ar-XA": ("ABCD", "ABCD", "", True),
    "bg-BG": ("AB", "", "", False),
    "bn-IN": ("ABCD", "ABCD", "", True),
    "ca-ES": ("AB", "", "", False),
    "cmn-CN": ("ABCD", "ABCD", "", True),
    "cmn-TW": ("ABC", "ABC", "", False),
    "cs-CZ": ("AB", "AB", "", False),
    "da-DK": ("ACDEFG", "ACDEFG", "DF", False),
    "de-DE": ("ABCDEFGH", "ABCDEFGH", "ABCDFGH", True),
    "el-GR": ("AB", "AB", "", False),
    "en-AU": ("ABCD", "ABCD", "ABCD", True),
    "en-GB": ("ABCDFNO", "ABCDFNO", "ABCDFNO", True),
    "en-IN": ("ABCDEF", "ABCDEF", "ABCD", True),
    "en-US": ("ABCDEFGHIJ", "ABCDEFGHIJ", "ACDEFGHIJ", True),
    "es-ES": ("ABCDEFGH", "BCDEFGH", "ABCDEFGH", True),
    "es-US": ("ABC", "ABC", "ABC", True),
    "eu-ES": ("AB", "", "", False),
    "fi-FI": ("AB", "AB", "", False),
    "fil-PH": ("ABCD", "ABCD", "", False),  # Neural2: see _ODD_NAMES
    "fr-CA": ("ABCD", "ABCD", "ABCD", True),
    "fr-FR": ("ABCDEFG", "ABCDEFG", "ABCDEFG", True),
    "gl-ES": ("AB", "", "", False),
    "gu-IN": ("ABCD", "ABCD", "", True),
    "he-IL": ("ABCD", "ABCD", "", False),
    "hi-IN": ("ABCDEF", "ABCDEF", "ABCD", True),
    "hu-HU": ("AB", "A", "", False),
    "id-ID": ("ABCD", "ABCD", "", True),
    "is-IS": ("AB", "", "", False),
    "it-IT": ("ABCDEF", "ABCDEF", "ACF", True),
    "ja-JP": ("ABCD", "ABCD", "BCD", True),
    "kn-IN": ("ABCD", "ABCD", "", True),
    "ko-KR": ("ABCD", "ABCD", "ABC", True),
    "lt-LT": ("AB", "", "", False),
    "lv-LV": ("AB", "", "", False),
    "ml-IN": ("ABCD", "ABCD", "", True),
    "mr-IN": ("ABC", "ABC", "", True),
    "ms-MY": ("ABCD", "ABCD", "", False),
    "nb-NO": ("ABCDEFG", "ABCDEFG", "", False),
    "nl-BE": ("ABCD", "ABCD", "", False),
    "nl-NL": ("ABCDEFG", "ABCDEFG", "", True),
    "pa-IN": ("ABCD", "ABCD", "", False),
    "pl-PL": ("ABCDEFG", "ABCDEFG", "", True),
    "pt-BR": ("ABCDE", "ABCDE", "ABC", True),
    "pt-PT": ("ABCDEF", "ABCDEF", "", False),
    "ro-RO": ("AB", "AB", "", False),
    "ru-RU": ("ABCDE", "ABCDE", "", True),
    "sk-SK": ("AB", "AB", "", False),
    "sr-RS": ("A", "", "", False),
    "sv-SE": ("ABCDEFG", "ABCDEFG", "", False),
    "ta-IN": ("ABCD", "ABCD", "", True),
    "te-IN": ("ABCD", "", "", True),
    "th-TH": ("A", "", "C", True),
    "tr-TR": ("ABCDE", "ABCDE", "", True),
    "uk-UA": ("A", "A", "", False),
    "vi-VN": ("ABCD", "ABCD", "AD", True),
    "yue-HK": ("ABCD", "", "", False),
}

# Names that follow none of the patterns above, spelled exactly as Twilio lists them: two
# generative voices with their accents, and Google's Filipino Neural2 voices with a lowercase
# "ph" in the name.
_ODD_NAMES: dict[str, tuple[str, ...]] = {
    "es-MX": ("Polly.Mía-Generative",),
    "fr-FR": ("Polly.Rémi-Generative",),
    "fil-PH": ("Google.fil-ph-Neural2-A", "Google.fil-ph-Neural2-D"),
}


def _polly_voices(specs: Iterable[str]) -> list[str]:
    voices = []
    for spec in specs:
        name, tiers = spec.split(":")
        voices += [f"Polly.{name}{_POLLY_TIERS[tier]}" for tier in tiers]
    return voices


def _google_voices(language: str, models: tuple[str, str, str, bool]) -> list[str]:
    standard, wavenet, neural2, chirp = models
    voices = [f"Google.{language}-Standard-{letter}" for letter in standard]
    voices += [f"Google.{language}-Wavenet-{letter}" for letter in wavenet]
    voices += [f"Google.{language}-Neural2-{letter}" for letter in neural2]
    if chirp:
        names = _CHIRP3_HD.copy()
        if language in _CHIRP3_HD_UNLISTED_LANGUAGES:
            names += _CHIRP3_HD_UNLISTED
        voices += [f"Google.{language}-Chirp3-HD-{name}" for name in names]
    return voices


def _build() -> dict[str, tuple[str, ...]]:
    languages = sorted(set(_POLLY) | set(_POLLY_UNLISTED) | set(_GOOGLE) | set(_ODD_NAMES))
    return {
        language: tuple(
            _polly_voices(_POLLY.get(language, ()) + _POLLY_UNLISTED.get(language, ()))
            + (_google_voices(language, _GOOGLE[language]) if language in _GOOGLE else [])
            + list(_ODD_NAMES.get(language, ()))
        )
        for language in languages
    }


VOICES: dict[str, tuple[str, ...]] = _build()
"""Twilio language tag -> the voices that speak it."""

VOICE_LANGUAGES: dict[str, frozenset[str]] = {
    voice: frozenset(lang for lang, voices in VOICES.items() if voice in voices)
    for voices in VOICES.values()
    for voice in voices
}
"""Voice -> the language tags it speaks (a few Polly voices speak two)."""


def voice_family(voice: str) -> str | None:
    """'polly' or 'google' for a Twilio voice name, None for anything else."""
    family = voice.partition(".")[0].lower()
    return family if family in SAY_LIMITS else None


def say_limit(voice: str) -> int:
    """The most characters one <Say> may hold with this voice."""
    return SAY_LIMITS.get(voice_family(voice) or "", min(SAY_LIMITS.values()))


def check_voice(voice: str, twilio_language: str) -> tuple[str, str] | None:
    """What is wrong with speaking `twilio_language` with `voice`, as (message, hint), or None."""
    if voice not in VOICE_LANGUAGES:
        same_letters = [name for name in VOICE_LANGUAGES if name.lower() == voice.lower()]
        close = (
            f"did you mean '{same_letters[0]}'? (capital letters matter)"
            if same_letters
            else did_you_mean(voice, VOICE_LANGUAGES)
        )
        return (
            f"voice '{voice}' is not one of Twilio's voices",
            close or _suggest(twilio_language),
        )
    spoken = VOICE_LANGUAGES[voice]
    if twilio_language not in spoken:
        return (
            f"voice '{voice}' speaks {', '.join(sorted(spoken))}, not '{twilio_language}'",
            _suggest(twilio_language)
            or f"set twilio_language to {sorted(spoken)[0]} or choose another voice",
        )
    return None


def _suggest(twilio_language: str) -> str:
    voices = VOICES.get(twilio_language)
    if not voices:
        close = did_you_mean(twilio_language, VOICES)
        return close or "leave out voice: and add recordings if Twilio cannot speak the language"
    preferred = [v for v in voices if v.endswith("-Neural")] or list(voices)
    return f"voices for {twilio_language} include {', '.join(preferred[:3])}"
