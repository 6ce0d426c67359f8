"""The log scrubber and the keyed caller identifiers."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterator

import pytest

from hotline.privacy import CallerKeys, ScrubFilter, install_log_scrubber, normalise, scrub

SID = "CA" + "0123456789abcdef" * 2


@pytest.mark.parametrize(
    "number",
    [
        "+14135550123",
        "4135550123",
        "14135550123",
        "413-555-0123",
        "413.555.0123",
        "413 555 0123",
        "(413) 555-0123",
        "(413)555-0123",
        "+1 413 555 0123",
        "+1 (413) 555-0123",
        "1-413-555-0123",
        "%2B14135550123",
        "%2b14135550123",
        "%2B1%20413%20555%200123",
        "%28413%29%20555-0123",
        "413+555+0123",
        "+447911123456",
        "+44 7911 123456",
        "+5215512345678",
    ],
)
def test_numbers_are_scrubbed_in_every_format(number: str) -> None:
    for line in (number, f"From={number}&To=x", f"caller {number}.", f"[{number}]"):
        scrubbed = scrub(line)
        assert "[number]" in scrubbed
        assert sum(ch.isdigit() for ch in scrubbed) <= 2, scrubbed


@pytest.mark.parametrize("prefix", ["CA", "SM", "MM", "RE", "TR"])
def test_caller_linked_sids_are_scrubbed(prefix: str) -> None:
    sid = prefix + "0123456789abcdef" * 2
    assert scrub(f"CallSid={sid} x") == "CallSid=[sid] x"
    assert scrub(f"MessageSid%3D{sid}") == "MessageSid%3D[sid]"


def test_query_strings_of_request_lines_are_dropped() -> None:
    line = '127.0.0.1 - - "GET /voice?From=%2B1413&Body=my+words HTTP/1.1" 200 -'
    assert scrub(line) == '127.0.0.1 - - "GET /voice HTTP/1.1" 200 -'
    coloured = '"\x1b[31m\x1b[1mGET /voice?Body=my+words HTTP/1.1\x1b[0m" 403 -'
    assert scrub(coloured) == '"\x1b[31m\x1b[1mGET /voice HTTP/1.1\x1b[0m" 403 -'


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-14 10:11:12,123",
        "127.0.0.1:8000",
        '"POST /voice/key/en/main/police" 200 512 3ms',
        "content version 3f9a1234567890abcdef",
        "AC" + "a" * 32,
        "took 1234567 ms",
    ],
)
def test_ordinary_log_lines_are_left_alone(text: str) -> None:
    assert scrub(text) == text


@pytest.fixture
def stream_logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ScrubFilter())
    logger = logging.getLogger("tests.privacy.stream")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_the_filter_scrubs_arguments_and_tracebacks(stream_logger) -> None:
    logger, stream = stream_logger
    logger.warning("from %s at %s", "+14135550123", SID)
    try:
        raise ValueError(f"no such caller: 413-555-0123 ({SID})")
    except ValueError:
        logger.exception("failed")
    output = stream.getvalue()
    assert "from [number] at [sid]" in output
    assert "no such caller: [number] ([sid])" in output
    assert "0123" not in output and "0123456789abcdef" not in output


def test_unformattable_arguments_are_dropped_not_printed(stream_logger, capsys) -> None:
    logger, stream = stream_logger
    logger.warning("two %s %s", "+14135550123")
    assert "arguments could not be formatted" in stream.getvalue()
    assert "4135550123" not in stream.getvalue() + capsys.readouterr().err


def test_the_installed_scrubber_covers_records_from_any_logger() -> None:
    install_log_scrubber()
    install_log_scrubber()
    root = logging.getLogger()
    assert sum(isinstance(f, ScrubFilter) for f in root.filters) == 1
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # added after installation, without a filter
    logger = logging.getLogger("some.library")
    logger.addHandler(handler)
    try:
        logger.error("retrying %s", "(413) 555-0123", extra={"detail": 1})
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == "retrying [number]\n"


# Keyed identifiers --------------------------------------------------------------------------


def test_every_format_of_a_number_has_one_key() -> None:
    keys = CallerKeys("k" * 40)
    forms = ["+14135550123", "4135550123", "(413) 555-0123", "+1 413-555-0123", "14135550123"]
    assert len({keys.number("sms", form) for form in forms}) == 1
    assert normalise("+44 7911 123456") == "+447911123456"
    # Digits of other scripts are not phone digits, with or without the quick path.
    assert normalise("+1413555٣123") == "+1413555123"
    assert normalise(" +14135550123 ") == "+14135550123"


def test_keys_are_hmacs_not_hashes_and_depend_on_the_secret_and_purpose() -> None:
    keys = CallerKeys("k" * 40)
    key = keys.number("sms", "+14135550123")
    assert len(key) == 32 and int(key, 16) >= 0
    for plain in ("+14135550123", "14135550123", "4135550123"):
        assert key not in hashlib.sha256(plain.encode()).hexdigest()
        assert key not in hashlib.sha256(f"sms\x00{plain}".encode()).hexdigest()
    assert CallerKeys("j" * 40).number("sms", "+14135550123") != key
    assert keys.number("calls", "+14135550123") != key
