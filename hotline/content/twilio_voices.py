"""Twilio's text-to-speech voices by language, as data, and the check of a language's voice.

A curated copy of Twilio's list (Amazon Polly standard, neural and generative voices, and Google
Standard, WaveNet, Neural2 and Chirp 3 HD voices). `hotline check` rejects a voice that is not
here; when Twilio's console offers a voice missing from this list, add it below.
"""

from __future__ import annotations

from collections.abc import Iterable

from hotline.content.problems import did_you_mean

# Longest text one <Say> may hold, by voice family (Twilio's documented limits).
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
        "Salli:SNG",
        "Joey:SN",
        "Justin:SN",
        "Kevin:N",
        "Matthew:SNG",
        "Ruth:NG",
        "Stephen:NG",
    ),
    "en-ZA": ("Ayanda:N",),
    "es-ES": ("Conchita:S", "Lucia:SNG", "Enrique:S", "Sergio:NG"),
    "es-MX": ("Mia:SNG", "Andres:NG"),
    "es-US": ("Lupe:SNG", "Penelope:S", "Miguel:S", "Pedro:NG"),
    "fi-FI": ("Suvi:N",),
    "fr-BE": ("Isabelle:N",),
    "fr-CA": ("Chantal:S", "Gabrielle:NG", "Liam:N"),
    "fr-FR": ("Celine:S", "Lea:SNG", "Mathieu:S", "Remi:NG"),
    "hi-IN": ("Aditi:S", "Kajal:N"),
    "is-IS": ("Dora:S", "Karl:S"),
    "it-IT": ("Carla:S", "Bianca:SNG", "Giorgio:S", "Adriano:N"),
    "ja-JP": ("Mizuki:S", "Takumi:SN", "Kazuha:N", "Tomoko:N"),
    "ko-KR": ("Seoyeon:SN",),
    "nb-NO": ("Liv:S", "Ida:N"),
    "nl-BE": ("Lisa:N",),
    "nl-NL": ("Lotte:S", "Ruben:S", "Laura:N"),
    "pl-PL": ("Ewa:S", "Maja:S", "Jacek:S", "Jan:S", "Ola:N"),
    "pt-BR": ("Camila:SNG", "Vitoria:SN", "Ricardo:S", "Thiago:N"),
    "pt-PT": ("Ines:SN", "Cristiano:S"),
    "ro-RO": ("Carmen:S",),
    "ru-RU": ("Tatyana:S", "Maxim:S"),
    "sv-SE": ("Astrid:S", "Elin:N"),
    "tr-TR": ("Filiz:S", "Burcu:N"),
}

_CHIRP3_HD = [
    "Achernar",
    "Achird",
    "Algenib",
    "Algieba",
    "Alnilam",
    "Aoede",
    "Autonoe",
    "Callirrhoe",
    "Charon",
    "Despina",
    "Enceladus",
    "Erinome",
    "Fenrir",
    "Gacrux",
    "Iapetus",
    "Kore",
    "Laomedeia",
    "Leda",
    "Orus",
    "Puck",
    "Pulcherrima",
    "Rasalgethi",
    "Sadachbia",
    "Sadaltager",
    "Schedar",
    "Sulafat",
    "Umbriel",
    "Vindemiatrix",
    "Zephyr",
    "Zubenelgenubi",
]

# Google voices by language tag: the letters of each model, and whether Chirp 3 HD voices exist.
_GOOGLE: dict[str, tuple[str, str, str, bool]] = {
    # language: (Standard, Wavenet, Neural2, Chirp3-HD)
    "ar-XA": ("ABCD", "ABCD", "", False),
    "bn-IN": ("AB", "AB", "", False),
    "cmn-CN": ("ABCD", "ABCD", "", False),
    "de-DE": ("ABCDEF", "ABCDEF", "ABCDF", True),
    "en-GB": ("ABCDF", "ABCDF", "ABCDF", False),
    "en-US": ("ABCDEFGHIJ", "ABCDEFGHIJ", "ACDEFGHIJ", True),
    "es-ES": ("ABCD", "BCD", "ABCDEF", True),
    "es-US": ("ABC", "ABC", "ABC", True),
    "fil-PH": ("ABCD", "ABCD", "", False),
    "fr-CA": ("ABCD", "ABCD", "ABCD", False),
    "fr-FR": ("ABCDE", "ABCDE", "ABCDE", True),
    "hi-IN": ("ABCD", "ABCD", "ABCD", False),
    "it-IT": ("ABCD", "ABCD", "AC", False),
    "ja-JP": ("ABCD", "ABCD", "BCD", False),
    "ko-KR": ("ABCD", "ABCD", "ABC", False),
    "pl-PL": ("ABCDE", "ABCDE", "", False),
    "pt-BR": ("ABC", "ABC", "ABC", True),
    "pt-PT": ("ABCD", "ABCD", "", False),
    "ru-RU": ("ABCDE", "ABCDE", "", False),
    "tr-TR": ("ABCDE", "ABCDE", "", False),
    "uk-UA": ("A", "A", "", False),
    "vi-VN": ("ABCD", "ABCD", "AD", False),
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
        voices += [f"Google.{language}-Chirp3-HD-{name}" for name in _CHIRP3_HD]
    return voices


def _build() -> dict[str, tuple[str, ...]]:
    languages = sorted(set(_POLLY) | set(_GOOGLE))
    return {
        language: tuple(
            _polly_voices(_POLLY.get(language, ()))
            + (_google_voices(language, _GOOGLE[language]) if language in _GOOGLE else [])
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
