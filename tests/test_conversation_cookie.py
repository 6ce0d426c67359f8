"""The conversation cookie's codec on its own: what it writes, and what it refuses to read."""

from __future__ import annotations

import base64
import time
from email.utils import parsedate_to_datetime

import pytest

from hotline.sms.session import COOKIE_NAME, Conversation, ConversationCookies, cookie_value

SECRET = "a-test-secret-" + "s" * 40
NOW = 1_800_000_000.0


def cookies(now: float = NOW, secret: str = SECRET, secure: bool = True) -> ConversationCookies:
    return ConversationCookies(secret, secure=secure, clock=lambda: now)


def signed(payload: str, written: int | str = int(NOW)) -> str:
    """A value with a valid MAC around any payload, as only the secret's holder could make."""
    codec = cookies()
    body = f"v1.{payload}.{written}"
    return f"{body}.{codec._mac(body)}"


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def test_a_conversation_round_trips_and_the_value_carries_only_ids():
    value = cookies().value(Conversation("pt", ("main", "police")))
    assert cookies().loads(value) == ["pt", "main", "police"]
    assert value.startswith("v1.") and value.isascii() and ";" not in value and " " not in value


def test_the_set_cookie_header_keeps_it_four_hours_on_the_sms_path_only():
    header = cookies().set_cookie(Conversation("es"))
    assert header.startswith(f"{COOKIE_NAME}=v1.")
    attributes = dict(
        part.strip().partition("=")[::2] for part in header.split(";")[1:] if part.strip()
    )
    assert parsedate_to_datetime(attributes["Expires"]).timestamp() == NOW + 4 * 3600
    assert attributes["Max-Age"] == "14400"
    assert attributes["Path"] == "/sms" and attributes["SameSite"] == "Lax"
    assert {"HttpOnly", "Secure"} <= attributes.keys()
    assert "Secure" not in dict.fromkeys(
        part.strip() for part in cookies(secure=False).set_cookie(Conversation("es")).split(";")
    )


def test_forgetting_a_conversation_expires_the_cookie_at_once():
    header = cookies().set_cookie(None)
    assert header.startswith(f"{COOKIE_NAME}=;") and "Max-Age=0" in header
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header and "Path=/sms" in header


@pytest.mark.parametrize(
    "value",
    [
        "",
        "v1",
        "v1...",
        "v2" + signed(encoded('["es"]'))[2:],  # another version
        signed(encoded('["es"]'))[:-1] + "é",  # not ASCII
        signed(encoded('["es"]')).replace(str(int(NOW)), str(int(NOW) - 1)),  # time changed
        signed(encoded('["es"]'))[:-3],  # MAC cut short
        signed("%%%"),  # not base64
        signed(encoded("not json")),
        signed(encoded('{"lang": "es"}')),  # not a list
        signed(encoded("[]")),
        signed(encoded('["es", 5]')),
        signed(encoded('["es"]'), written=int(NOW) - 4 * 3600 - 1),  # too old
        signed(encoded('["es"]'), written=int(NOW) + 301),  # from too far in the future
        signed(encoded('["es"]'), written="x1"),  # not a number
    ],
)
def test_anything_but_a_fresh_value_of_ours_is_refused(value):
    assert cookies().loads(value) is None


def test_a_value_signed_with_another_secret_is_refused():
    theirs = cookies(secret="another-secret-" + "o" * 40).value(Conversation("es"))
    assert cookies().loads(theirs) is None


def test_the_codec_accepts_what_it_signs_within_its_window():
    assert cookies().loads(signed(encoded('["es","main"]'), written=int(NOW) - 4 * 3600)) == [
        "es",
        "main",
    ]
    assert cookies().loads(signed(encoded('["es"]'), written=int(NOW) + 300)) == ["es"]


@pytest.mark.parametrize(
    ("header", "found"),
    [
        ("", None),
        ("other=1", None),
        (f"{COOKIE_NAME}=abc", "abc"),
        (f"a=1; {COOKIE_NAME}=abc; b=2", "abc"),
        (f'{COOKIE_NAME}="abc"', "abc"),
        (f"x{COOKIE_NAME}=abc", None),
    ],
)
def test_the_cookie_is_found_in_a_cookie_header(header, found):
    assert cookie_value(header, COOKIE_NAME) == found


def test_time_is_the_real_clock_by_default():
    codec = ConversationCookies(SECRET)
    value = codec.value(Conversation("en"))
    assert abs(int(value.split(".")[2]) - time.time()) < 5
