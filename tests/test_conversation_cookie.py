"""The conversation cookie's codec on its own: what it writes, and what it refuses to read."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from email.utils import parsedate_to_datetime

import pytest
from itsdangerous import Signer

from hotline.sms.session import COOKIE_NAME, SALT, Conversation, ConversationCookies, cookie_value

SECRET = "a-test-secret-" + "s" * 40
NOW = 1_800_000_000.0


def cookies(
    now: float = NOW, secret: str | list[str] = SECRET, secure: bool = True
) -> ConversationCookies:
    return ConversationCookies(secret, secure=secure, clock=lambda: now)


def signed(payload: str, secret: str = SECRET) -> str:
    """A valid signature around any payload, as only the key's holder could make (the format the
    module's docstring states: itsdangerous, HMAC-SHA256, the cookie's salt)."""
    signer = Signer(secret, salt=SALT, key_derivation="hmac", digest_method=hashlib.sha256)
    return signer.sign(payload).decode()


def encoded(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def place(*items: object, written: object = int(NOW), secret: str = SECRET) -> str:
    """A signed value holding [written, *items] as JSON."""
    return signed(encoded(json_list(written, *items)), secret)


def json_list(*items: object) -> str:
    return json.dumps(list(items))


def first_format(data: list[str], written: int, secret: str = SECRET) -> str:
    """A cookie as versions up to December 2026 wrote it: v1.<payload>.<written>.<mac>."""
    key = hmac.new(secret.encode(), b"hotline sms cookie v1", hashlib.sha256).digest()
    body = f"v1.{encoded(json_list(*data))}.{written}"
    mac = hmac.new(key, body.encode(), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def test_a_conversation_round_trips_and_the_value_carries_only_ids():
    value = cookies().value(Conversation("pt", ("main", "police")))
    assert cookies().loads(value) == ["pt", "main", "police"]
    assert value.isascii() and ";" not in value and " " not in value and '"' not in value
    payload = value.rpartition(".")[0]
    assert base64.urlsafe_b64decode(payload + "==").decode() == f'[{int(NOW)},"pt","main","police"]'


def test_the_set_cookie_header_keeps_it_four_hours_on_the_sms_path_only():
    header = cookies().set_cookie(Conversation("es"))
    assert cookies().loads(cookie_value(header, COOKIE_NAME) or "") == ["es", "main"]
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
        "." * 40,
        first_format(["es"], int(NOW)),  # the first format, with the same secret
        place("es")[:-1] + "é",  # not ASCII
        place("es").replace(
            encoded(json_list(int(NOW), "es")), encoded(json_list(int(NOW) - 1, "es"))
        ),
        place("es")[:-3],  # signature cut short
        signed("%%%"),  # not base64
        signed(encoded("not json")),
        signed(encoded('{"lang": "es"}')),  # not a list
        signed(encoded("[]")),
        place(),  # a time but no language
        place("es", 5),
        place("es", written=int(NOW) - 4 * 3600 - 1),  # too old
        place("es", written=int(NOW) + 301),  # from too far in the future
        place("es", written="x1"),  # not a number
        place("es", written=True),
        place("es", secret="another-secret-" + "o" * 40),
    ],
)
def test_anything_but_a_fresh_value_of_ours_is_refused(value):
    assert cookies().loads(value) is None


def test_a_value_signed_with_another_secret_is_refused():
    theirs = cookies(secret="another-secret-" + "o" * 40).value(Conversation("es"))
    assert cookies().loads(theirs) is None


def test_the_codec_accepts_what_it_signs_within_its_window():
    assert cookies().loads(place("es", "main", written=int(NOW) - 4 * 3600)) == ["es", "main"]
    assert cookies().loads(place("es", written=int(NOW) + 300)) == ["es"]


OLD_SECRET = "the-key-before-the-last-change-" + "k" * 20


def test_a_value_signed_with_an_earlier_key_is_still_read_and_new_ones_use_the_newest():
    rotated = cookies(secret=[OLD_SECRET, SECRET])
    before = cookies(secret=OLD_SECRET).value(Conversation("es", ("main",)))
    assert rotated.loads(before) == ["es", "main"]
    after = rotated.value(Conversation("es", ("main",)))
    assert cookies().loads(after) == ["es", "main"]
    assert cookies(secret=OLD_SECRET).loads(after) is None


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
    payload = value.rpartition(".")[0]
    written = int(base64.urlsafe_b64decode(payload + "==").decode().strip("[]").split(",")[0])
    assert abs(written - time.time()) < 5
