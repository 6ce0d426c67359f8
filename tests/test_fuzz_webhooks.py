"""Every webhook, any input: a valid TwiML answer (or 403 unsigned), never the caller's words.

Property tests with hypothesis. Requests are signed as Twilio signs them, over the URL the server
sees, so the fuzzed input gets past the signature check and into the handlers.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote, unquote, urlencode, urlparse

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import remove_port
from werkzeug.exceptions import HTTPException

from hotline import create_app
from hotline.phone import E164
from hotline.security import MAX_BODY_BYTES, SIGNATURE_SHAPE
from tests.conftest import app_settings
from tests.twilio_sim import AUTH_TOKEN, PUBLIC_URL, SMS_VERBS, VOICE_VERBS, sign

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Verbs and the nouns they may hold, as Twilio defines them for what this line sends.
VOICE_INNER = {"Say", "Play", "Pause", "Number"}
SMS_INNER = {"Body"}
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# The largest body a webhook reads.
FORM_LIMIT = MAX_BODY_BYTES

TRICKY = [
    "<Say>hi</Say>",
    "</Response><Hangup/>",
    "&amp;&lt;]]>",
    "<![CDATA[x]]>",
    '"; <Dial>+15555550100</Dial>',
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا بكم",
    "שלום",
    "\x00\x01\x1b[31m\x7f",
    "\ufeff\u200b\u2028",
    "🙂" * 50,
    "%00%0d%0a",
    "1" * 5000,
]

# Any text a form can carry (no lone surrogates), with the tricky cases mixed in more often.
any_text = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=60),
    st.sampled_from(TRICKY),
    st.builds(
        lambda s, n: s * n, st.sampled_from(["x", "<", "é", "\x01", "9"]), st.integers(1, 80_000)
    ),
)
digits = st.one_of(
    st.sampled_from(["", "0", "1", "2", "3", "4", "9", "*", "#", "w", "12", "-1"]), any_text
)
attempt = st.one_of(
    st.none(),
    st.integers(-(10**15), 10**15).map(str),
    st.sampled_from(["-1", "0", "999999999999", "1e9", "", "٣", "\u00b2"]),
    any_text,
)
segment = st.one_of(
    st.sampled_from(["main", "police", "services", "police-role", "police-status", "en", "es"]),
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=20),
)
language = st.one_of(st.sampled_from(["en", "es", "pt"]), segment)
trail = st.lists(segment, min_size=1, max_size=6)

LIMITS = ["HOTLINE_CALL_LIMIT", "HOTLINE_SMS_LIMIT", "HOTLINE_SMS_GLOBAL_LIMIT"]
VOICE_FIELDS = ["CallSid", "AccountSid", "From", "To", "Caller", "Called", "CallStatus"]
SMS_FIELDS = ["MessageSid", "AccountSid", "From", "To", "NumMedia", "NumSegments"]


def fields(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    """Twilio's fields, each present or missing, with any value, plus unexpected extra fields."""
    known = st.fixed_dictionaries({}, optional={name: any_text for name in names})
    extra = st.dictionaries(
        st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12),
        any_text,
        max_size=3,
    )
    return st.builds(lambda a, b: {**b, **a}, known, extra)


@st.composite
def voice_requests(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    kind = draw(st.sampled_from(["", "language", "node", "key", "office-result", "fallback", "x"]))
    path = "/voice"
    if kind in ("node", "key", "office-result"):
        parts = [draw(language), *draw(trail)]
        path += f"/{kind}/" + "/".join(quote(p, safe="") for p in parts)
    elif kind == "x":
        path += "/" + "/".join(quote(p, safe="") for p in draw(trail))
    elif kind:
        path += f"/{kind}"
    query = draw(attempt)
    if query is not None:
        path += "?" + urlencode({"try": query})
    params = draw(fields(VOICE_FIELDS))
    for name in ("Digits", "DialCallStatus"):
        if draw(st.booleans()):
            params[name] = draw(digits if name == "Digits" else any_text)
    return path, params


@st.composite
def sms_requests(draw: st.DrawFn) -> tuple[str, dict[str, str], str]:
    params = draw(fields(SMS_FIELDS))
    if draw(st.integers(0, 9)):
        params["Body"] = draw(st.one_of(digits, any_text))
    cookie = draw(
        st.one_of(
            st.just(""),
            st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=200).map(
                lambda v: "hotline_sms=" + v.replace(";", "")
            ),
        )
    )
    path = draw(st.sampled_from(["/sms", "/sms/fallback"]))
    return path, params, cookie


@pytest.fixture(scope="module")
def client() -> FlaskClient:
    # One app for all examples: hypothesis runs many examples per test, and the app is stateless.
    # Limits off, so every example reaches the handlers rather than a limit's refusal.
    limits_off = {name: "off" for name in LIMITS}
    app = create_app(app_settings(**limits_off, HOTLINE_SMS_COUNTRIES="+1,+44,+52"))
    return app.test_client()


def post(
    client: FlaskClient, path: str, params: dict[str, str], cookie: str = "", token=AUTH_TOKEN
):
    """POST as Twilio would, signed over the URL exactly as the server reconstructs it."""
    base, _, query = path.partition("?")
    seen = PUBLIC_URL + unquote(base) + (f"?{query}" if query else "")
    # The validator parses the URL first, which drops tabs and line breaks from it.
    headers = {"X-Twilio-Signature": sign(remove_port(urlparse(seen)), params, token)}
    if cookie:
        headers["Cookie"] = cookie
    return client.post(path, data=params, headers=headers)


def routed(client: FlaskClient, path: str) -> bool:
    """Whether a POST to `path` reaches a webhook handler (which checks the signature)."""
    address = unquote(path.partition("?")[0])
    try:
        client.application.url_map.bind("hotline.example.org").match(address, method="POST")
    except HTTPException:
        return False
    return True


def check_answer(response, params: dict[str, str], verbs: set[str], inner: set[str]) -> None:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/xml"
    text = response.get_data(as_text=True)
    assert not XML_ILLEGAL.search(text)
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    for verb in root:
        assert verb.tag in verbs, verb.tag
        for noun in verb.iter():
            assert noun is verb or noun.tag in inner, noun.tag
    # The line never repeats what a caller sent. Short values (a key, "en") may occur naturally;
    # the hotline's own number is the one value allowed back, as a transfer's caller ID.
    for name, value in params.items():
        if len(value.strip()) >= 12 and not (name == "To" and E164.match(value)):
            assert value not in text, name
            assert value.strip() not in text, name


@FUZZ
@given(request=voice_requests())
def test_any_voice_request_gets_valid_twiml(client, request):
    path, params = request
    check_answer(post(client, path, params), params, VOICE_VERBS, VOICE_INNER)


@FUZZ
@given(request=sms_requests())
def test_any_text_gets_valid_twiml(client, request):
    path, params, cookie = request
    check_answer(post(client, path, params, cookie), params, SMS_VERBS, SMS_INNER)


@FUZZ
@given(
    request=st.one_of(voice_requests(), sms_requests().map(lambda r: (r[0], r[1]))), data=st.data()
)
def test_any_bad_signature_is_refused(client, request, data):
    path, params = request
    how = data.draw(st.sampled_from(["token", "url", "param", "missing", "garbage"]))
    unsigned = how == "missing"
    if how == "missing":
        response = client.post(path, data=params)
    elif how == "garbage":
        garbage = data.draw(
            st.one_of(
                st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)),
                st.text("ABCxyz019+/", min_size=27, max_size=30).map(lambda v: v + "="),
            )
        )
        # Only a signature of the shape Twilio's have gets as far as reading the body.
        unsigned = not SIGNATURE_SHAPE.fullmatch(garbage)
        response = client.post(path, data=params, headers={"X-Twilio-Signature": garbage})
    elif how == "token":
        response = post(client, path, params, token="not-the-" + AUTH_TOKEN)
    elif how == "url":
        signature = sign(PUBLIC_URL + "/elsewhere" + unquote(path.partition("?")[0]), params)
        response = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    else:
        signature = sign(PUBLIC_URL + unquote(path.partition("?")[0]), params)
        tampered = {**params, "Digits": params.get("Digits", "") + "1"}
        response = client.post(path, data=tampered, headers={"X-Twilio-Signature": signature})
    body = urlencode(params)
    too_large = len(body) > FORM_LIMIT or body.count("&") >= 200
    if (too_large and not unsigned) or not routed(client, path):
        # A signed body too large to read cannot be checked, and an address no route knows has
        # no handler to check it: both get the public static document, which carries nothing.
        # A request with no signature at all is refused before its body is read.
        assert response.status_code == 200
        assert ET.fromstring(response.data).tag == "Response"
    else:
        assert response.status_code == 403
    assert not any(len(v) >= 12 and v in response.get_data(as_text=True) for v in params.values())


@pytest.mark.parametrize(
    "signature", [None, "", "bm90LWEtc2lnbmF0dXJl", "bm90LWEtc2lnbmF0dXJlLWF0LWFsbA=="]
)
def test_a_body_too_large_to_read(client, signature) -> None:
    """Found by the fuzzer: unsigned, it is refused; signed, it gets the static document."""
    params = {"From": "+14135550123", "Digits": "1", "Junk": "é" * (FORM_LIMIT // 5)}
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    response = client.post("/voice/node/en/main", data=params, headers=headers)
    if signature and SIGNATURE_SHAPE.fullmatch(signature):
        assert response.status_code == 200
        root = ET.fromstring(response.data)
        assert root.tag == "Response" and "9 1 1" in "".join(root.itertext())
    else:
        assert response.status_code == 403
    assert "4135550123" not in response.get_data(as_text=True)
