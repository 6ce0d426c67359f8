"""The measures behind the checks: SMS segments, spoken words, Twilio's voices and Say lengths."""

from __future__ import annotations

import pytest

from hotline.content.twilio_voices import VOICES, check_voice, say_limit, voice_family
from hotline.sms.segments import non_gsm7, sms_size
from hotline.voice.speech import said, seconds, sentences, spoken_words


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 459, "GSM-7", 459, 3),
        ("a" * 460, "GSM-7", 460, 4),
        ("€" * 80, "GSM-7", 160, 1),  # the extension table costs two septets each
        ("€" * 81, "GSM-7", 162, 2),
        ("a" * 159 + "€", "GSM-7", 161, 2),
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # an escape pair is never split
        ("ñéÑü" * 40, "GSM-7", 160, 1),  # these accents are in GSM-7
        ("á" * 70, "UCS-2", 70, 1),
        ("á" * 71, "UCS-2", 71, 2),
        ("ã" + "a" * 200, "UCS-2", 201, 3),
        ("😀" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 units
        ("😀" * 36, "UCS-2", 72, 2),
    ],
)
def test_sms_size(text: str, encoding: str, units: int, segments: int) -> None:
    size = sms_size(text)
    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)


def test_non_gsm7_names_the_characters_that_force_ucs2() -> None:
    assert non_gsm7("Não é possível, ação") == ["ã", "í", "ç"]


def test_spoken_words_count_each_digit_and_no_punctuation() -> None:
    assert spoken_words("To reach the Mayor's office, press 0.") == 7
    assert spoken_words("Call 4 1 3, 5 8 7, 1 2 4 9 - or email.") == 13
    assert spoken_words("I.C.E. operations") == 2


def test_seconds_follow_the_words_per_minute() -> None:
    sentence = "one two three four five six seven eight nine ten"
    assert seconds(sentence, 150) == 4.0
    assert seconds(sentence, 165) < seconds(sentence, 150)


def test_sentences_split_at_full_stops_but_not_inside_initials() -> None:
    text = "Northampton does not take part in I.C.E. operations. City resources are not used."
    assert sentences(text) == [
        "Northampton does not take part in I.C.E. operations.",
        "City resources are not used.",
    ]
    assert sentences("¿Qué? Sí. 4 1 3, 5 8 7.") == ["¿Qué?", "Sí.", "4 1 3, 5 8 7."]


def test_said_lists_the_says_in_order_up_to_a_verb() -> None:
    document = (
        '<Response><Say language="en-US">One.</Say><Gather><Say language="es-US">Dos.</Say>'
        '</Gather><Say language="en-US">Three.</Say><Dial>+14135871249</Dial>'
        '<Say language="en-US">After.</Say></Response>'
    )
    assert [(s.text, s.language, s.in_gather) for s in said(document, until="Dial")] == [
        ("One.", "en-US", False),
        ("Dos.", "es-US", True),
        ("Three.", "en-US", False),
    ]
    assert len(said(document)) == 4


def test_every_language_has_voices_and_every_voice_a_family() -> None:
    for language in ("en-US", "es-US", "es-MX", "es-ES", "pt-BR", "pt-PT", "fr-FR", "vi-VN"):
        assert VOICES[language], language
    for voices in VOICES.values():
        for voice in voices:
            assert voice_family(voice) in ("polly", "google")


@pytest.mark.parametrize(
    ("voice", "language", "message", "hint"),
    [
        ("Polly.Lupe-Neural", "es-US", None, None),
        ("Polly.Camila-Generative", "pt-BR", None, None),
        ("Google.es-US-Neural2-A", "es-US", None, None),
        ("Polly.Aditi", "hi-IN", None, None),
        # Checked on 2026-11-28 against the <Say> voices twilio-node 5.10.0 lists.
        ("Polly.Kevin", "en-US", None, None),
        ("Polly.Mía-Generative", "es-MX", None, None),
        ("Google.fr-CA-Chirp3-HD-Aoede", "fr-CA", None, None),
        ("Google.fil-ph-Neural2-A", "fil-PH", None, None),
        ("Google.pt-BR-Wavenet-E", "pt-BR", None, None),
        (
            "Polly.Lupe-Neurall",
            "es-US",
            "voice 'Polly.Lupe-Neurall' is not one of Twilio's voices",
            "did you mean 'Polly.Lupe-Neural'?",
        ),
        (
            "polly.joanna-neural",
            "en-US",
            "voice 'polly.joanna-neural' is not one of Twilio's voices",
            "did you mean 'Polly.Joanna-Neural'? (capital letters matter)",
        ),
        (
            "Polly.Lupe-Neural",
            "es-MX",
            "voice 'Polly.Lupe-Neural' speaks es-US, not 'es-MX'",
            "voices for es-MX include Polly.Mia-Neural, Polly.Andres-Neural",
        ),
        (
            "Google.pt-BR-Wavenet-A",
            "pt-PT",
            "voice 'Google.pt-BR-Wavenet-A' speaks pt-BR, not 'pt-PT'",
            "voices for pt-PT include Polly.Ines-Neural",
        ),
    ],
)
def test_check_voice(voice: str, language: str, message: str | None, hint: str | None) -> None:
    assert check_voice(voice, language) == (None if message is None else (message, hint))


def test_say_limit_by_voice_family() -> None:
    assert say_limit("Polly.Joanna-Neural") == 3000
    assert say_limit("Google.en-US-Neural2-C") == 5000
    assert say_limit("alice") == 3000  # unknown families get the stricter limit
