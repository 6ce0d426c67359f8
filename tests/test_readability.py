"""The estimated school grade of a text, per language: plain words low, long clauses high."""

from __future__ import annotations

import pytest

from hotline.content.readability import english_syllables, grade, romance_syllables

PLAIN = {
    "en": "Call us. We can help. The police do not ask where you are from.",
    "es": "Llame hoy. Le ayudamos. La policía no pregunta de dónde es usted.",
    "pt": "Ligue hoje. Nós ajudamos. A polícia não pergunta de onde você é.",
}
DENSE = {
    "en": (
        "Notwithstanding administrative considerations, municipal authorities institutionally "
        "coordinate intergovernmental immigration enforcement responsibilities."
    ),
    "es": (
        "Independientemente de consideraciones administrativas, las autoridades municipales "
        "coordinan institucionalmente responsabilidades intergubernamentales migratorias."
    ),
    "pt": (
        "Independentemente de considerações administrativas, as autoridades municipais "
        "coordenam institucionalmente responsabilidades intergovernamentais migratórias."
    ),
}


@pytest.mark.parametrize("language", ["en", "es", "pt"])
def test_plain_words_read_low_and_dense_clauses_high(language: str) -> None:
    plain, dense = grade(PLAIN[language], language), grade(DENSE[language], language)
    assert plain is not None and dense is not None
    assert plain <= 4 < 16 <= dense


def test_a_language_with_no_formula_has_no_grade() -> None:
    assert grade("Rele nou si se yon ijans.", "ht") is None
    assert grade("", "en") is None


@pytest.mark.parametrize(
    ("word", "count"),
    [("police", 2), ("state", 1), ("immigration", 4), ("people", 2), ("the", 1), ("status", 2)],
)
def test_english_syllables(word: str, count: int) -> None:
    assert english_syllables(word) == count


@pytest.mark.parametrize(
    ("word", "count"),
    [("policía", 4), ("poeta", 3), ("ciudad", 2), ("saúde", 3), ("imigração", 4), ("leer", 2)],
)
def test_spanish_and_portuguese_syllables(word: str, count: int) -> None:
    assert romance_syllables(word) == count
