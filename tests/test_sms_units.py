"""Folding and reading words, and splitting long text into messages."""

from __future__ import annotations

import re

import pytest

from hotline.sms.split import MAX_MESSAGE, split_text
from hotline.sms.words import fold


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ESPAÑOL", "espanol"),
        (" ¡Atrás! ", "atras"),
        ("Português.", "portugues"),
        ("start   over", "start over"),
        ("\u202eES\u202c", "es"),  # right-to-left marks around a word
        ("\uff25\uff33", "es"),  # full-width letters
        ("1.", "1"),
        ("😀", ""),
        ("", ""),
    ],
)
def test_fold(raw, folded):
    assert fold(raw) == folded


def test_short_text_is_one_message():
    assert split_text("  Hello.  ") == ["Hello."]
    assert split_text("   ") == []


def test_long_text_splits_at_sentence_ends():
    sentences = [f"Sentence number {i} says something useful about the city." for i in range(80)]
    text = " ".join(sentences)
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(len(piece) <= MAX_MESSAGE for piece in pieces)
    assert all(piece.endswith(".") for piece in pieces)
    assert " ".join(pieces) == text


def test_paragraphs_are_kept_whole_where_they_fit():
    first, second = "A" * 1000 + ".", "B" * 1000 + "."
    assert split_text(f"{first}\n\n{second}") == [first, second]


def test_text_without_pauses_is_cut_at_the_limit():
    pieces = split_text("x" * 5000)
    assert [len(piece) for piece in pieces] == [1600, 1600, 1600, 200]


def test_a_long_sentence_splits_between_words():
    text = " ".join(["word"] * 1000)
    pieces = split_text(text)
    assert all(len(piece) <= MAX_MESSAGE and not re.match(r"\s", piece) for piece in pieces)
    assert " ".join(pieces) == text
