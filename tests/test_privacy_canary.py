"""A canary caller runs through every route; then every sink is searched for any trace of them.

Sinks: log records at DEBUG (captured, and formatted by a handler of our own), the dev server's
and gunicorn's output, every key and value in Redis, files written, response bodies, the URLs the
app hands Twilio, and cookies. The journey runs twice: with the log scrubber, and without it, to
show that the app itself never hands caller data to a log (the scrubber is only a second line).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote_plus, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

import hotline.privacy
from hotline import create_app
from hotline.content.model import Content
from hotline.safe_twiml import LAST_RESORT_SMS, LAST_RESORT_VOICE
from hotline.services import services_of
from hotline.sms.render import SmsRenderer, shortest_trails
from hotline.sms.session import ConversationCookies
from hotline.voice.twiml import VoiceRenderer
from tests.conftest import REPO_ROOT, app_settings
from tests.redis_server import RedisServer, free_port
from tests.sms_sim import MESSAGE_SID, Texter
from tests.twilio_sim import AUTH_TOKEN, CALL_SID, CANARY_CALLER, PUBLIC_URL, Call, sign

METRICS_TOKEN = "canary-metrics-token-0123456789-5e8d"
CANARY_BODY = "Zorblax canary words 7f3k"
FOREIGN_CANARY = "+447700900123"
FORMATS = [
    CANARY_CALLER,
    "4135550123",
    "14135550123",
    "413-555-0123",
    "(413) 555-0123",
    "+1 413 555 0123",
    "1-413-555-0123",
]
# How Twilio writes the canary's WhatsApp address, and forms a careless change might log.
WHATSAPP_FORMS = [
    "whatsapp:" + CANARY_CALLER,
    "WhatsApp:" + CANARY_CALLER,
    "whatsapp:+1 413 555 0123",
    " whatsapp:14135550123",
]
PHONE_KEYS = [*"0123456789*#", "", "x"]
DIAL_STATUSES = ["completed", "answered", "busy", "no-answer", "failed", "canceled", ""]


def _digits_pattern(digits: str) -> re.Pattern[str]:
    # The digits in order with up to three other characters between: any format.
    return re.compile(r"\D{0,3}".join(digits))


NEEDLES: list[tuple[str, re.Pattern[str]]] = [
    ("canary number", _digits_pattern("5550123")),
    ("foreign canary", _digits_pattern("7700900123")),
    ("call SID", re.compile(CALL_SID[2:18])),
    ("message SID", re.compile(MESSAGE_SID[2:18])),
    ("message body", re.compile(re.escape(CANARY_BODY), re.IGNORECASE)),
    ("body word", re.compile("zorblax", re.IGNORECASE)),
] + [
    (f"hash of {form}", re.compile(hashlib.sha256(form.encode()).hexdigest()[:16]))
    for form in (CANARY_CALLER, "4135550123", "14135550123", *WHATSAPP_FORMS)
]


def leaks(where: str, text: str) -> list[str]:
    found = []
    for candidate in {text, unquote_plus(text)}:
        found += [f"{name} in {where}" for name, needle in NEEDLES if needle.search(candidate)]
    return sorted(set(found))


class Sinks:
    """Everything the app wrote or sent, by where it went."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def add(self, where: str, text: object) -> None:
        self.seen.append((where, str(text)))

    def leaks(self) -> list[str]:
        return sorted({leak for where, text in self.seen for leak in leaks(where, text)})


class RecordKeeper(logging.Handler):
    """A handler on the root logger that formats every record, tracebacks included."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def root_handler() -> Iterator[RecordKeeper]:
    keeper = RecordKeeper()
    root = logging.getLogger()
    root.addHandler(keeper)
    yield keeper
    root.removeHandler(keeper)


def file_state(roots: list[Path]) -> dict[Path, tuple[float, int]]:
    state = {}
    skip = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules"}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in skip]
            for name in filenames:
                path = Path(dirpath) / name
                try:
                    stat = path.stat()
                except OSError:
                    continue
                state[path] = (stat.st_mtime, stat.st_size)
    return state


def written_since(before: dict[Path, tuple[float, int]], roots: list[Path]) -> list[Path]:
    # Test code that mentions the canary on purpose is not output of the app.
    ours = REPO_ROOT / "tests"
    return [
        path
        for path, state in file_state(roots).items()
        if before.get(path) != state and ours not in path.parents
    ]


def top_level_temp_files() -> dict[Path, tuple[float, int]]:
    found = {}
    for entry in os.scandir(tempfile.gettempdir()):
        if entry.is_file(follow_symlinks=False):
            stat = entry.stat()
            found[Path(entry.path)] = (stat.st_mtime, stat.st_size)
    return found


# The journey --------------------------------------------------------------------------------


class Caller(Call):
    """The canary's call, with a SID of its own for each number format."""

    sid: str = CALL_SID

    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        return {**super()._params({}), "CallSid": self.sid, **extra}


def post(
    client: FlaskClient, sinks: Sinks, url: str, params: dict[str, str], **headers: str
) -> None:
    full = PUBLIC_URL + url
    headers = {"X-Twilio-Signature": sign(full, params), **headers}
    response = client.post(url, data=params, headers=headers)
    record_response(sinks, f"POST {url}", response)
    assert response.status_code in (200, 403, 404, 405), (url, response.status_code)


def record_response(sinks: Sinks, where: str, response) -> None:
    sinks.add(f"response body of {where}", response.get_data(as_text=True))
    sinks.add(f"response headers of {where}", dict(response.headers))


def voice_params(caller: str = CANARY_CALLER, **extra: str) -> dict[str, str]:
    return {
        "CallSid": CALL_SID,
        "From": caller,
        "Caller": caller,
        "To": "+14135550100",
        "Called": "+14135550100",
        "CallStatus": "in-progress",
        **extra,
    }


def every_voice_route(client: FlaskClient, content: Content, sinks: Sinks) -> None:
    """Every place, every key, every dial result, in every language."""
    trails = list(shortest_trails(content).values())
    for lang in [*(language.code for language in content.languages), "xx"]:
        for trail in trails:
            path = "/".join(trail)
            post(client, sinks, f"/voice/node/{lang}/{path}", voice_params())
            post(client, sinks, f"/voice/node/{lang}/{path}?try=3", voice_params())
            for key in PHONE_KEYS:
                post(client, sinks, f"/voice/key/{lang}/{path}?try=1", voice_params(Digits=key))
            for status in DIAL_STATUSES:
                params = voice_params(DialCallStatus=status)
                post(client, sinks, f"/voice/office-result/{lang}/{path}", params)
    for key in PHONE_KEYS:
        post(client, sinks, "/voice/language?try=3", voice_params(Digits=key))
    for url in ["/voice?try=2", "/voice/fallback", "/voice/no/such/place", "/sms/fallback"]:
        post(client, sinks, url, voice_params())


def canary_calls(client: FlaskClient, sinks: Sinks) -> None:
    """Whole calls from each format of the number; later ones pass the call limit."""
    for n, form in enumerate(FORMATS):
        call = Caller(client, caller=form)
        call.sid = CALL_SID[:-1] + format(n, "x")
        call.start()
        if call.pending_gather is None:
            continue  # refused as busy
        call.press("1").press("1").press("1").press("#").press("0")
        if call.pending_dial is not None:
            call.dial_ends("no-answer")
        sinks.add("heard", call.text)


def canary_texts(app: Flask, client: FlaskClient, sinks: Sinks) -> None:
    """A whole conversation, STOP and HELP included, then texts past the limits and from abroad."""
    texter = Texter(client, sent=1000)
    for body in ["hello", "1", "1", "HELP", CANARY_BODY, "BACK", "MENU", "ES", "STOP", "START"]:
        texter.send(body)
        sinks.add("text reply", texter.text)
        sinks.add("cookie jar", texter.jar.cookies)
        for value in texter.jar.cookies.values():
            decoded = ConversationCookies(str(app.secret_key)).loads(value)
            sinks.add("decoded conversation cookie", decoded)
    for n, form in enumerate(FORMATS):
        Texter(client, number=form, sent=2000 + 100 * n).send(CANARY_BODY)
    for _ in range(5):
        sinks.add("limited reply", texter.send(CANARY_BODY).text)
    foreign = Texter(client, number=FOREIGN_CANARY, sent=3000)
    sinks.add("foreign reply", foreign.send(CANARY_BODY).text)


def canary_whatsapp(app: Flask, client: FlaskClient, sinks: Sinks) -> None:
    """WhatsApp: whole conversations with and without Twilio's cookie, past the limit, abroad."""
    hotline_address = "whatsapp:+14135550100"
    # Twilio adds the sender's WhatsApp id (the number without '+') and their profile name.
    profile = {"WaId": CANARY_CALLER[1:], "ProfileName": "Zorblax Canary"}
    for keeps_cookies in [True, False]:
        user = Texter(client, number=WHATSAPP_FORMS[0], hotline=hotline_address, extra=profile)
        bodies = ["oi", "3", "31", "311", "AJUDA", CANARY_BODY, "VOLTAR", "30", "STOP", "ES"]
        for body in bodies:
            if not keeps_cookies:
                user.jar.cookies.clear()
            user.send(body)
            sinks.add("whatsapp reply", user.text)
            sinks.add("whatsapp cookie jar", user.jar.cookies)
            for value in user.jar.cookies.values():
                decoded = ConversationCookies(str(app.secret_key)).loads(value)
                sinks.add("decoded whatsapp cookie", decoded)
    for form in WHATSAPP_FORMS:
        Texter(client, number=form, hotline=hotline_address, extra=profile).send("211")
    limited = Texter(client, number=WHATSAPP_FORMS[0], hotline=hotline_address, extra=profile)
    for _ in range(30):
        sinks.add("limited whatsapp reply", limited.send(CANARY_BODY).text)
    foreign = Texter(client, number="whatsapp:" + FOREIGN_CANARY, hotline=hotline_address)
    sinks.add("foreign whatsapp reply", foreign.send(CANARY_BODY).text)
    token = f"idem-{MESSAGE_SID}-whatsapp:{CANARY_CALLER}"
    params = {"MessageSid": MESSAGE_SID, "From": WHATSAPP_FORMS[0], "Body": CANARY_BODY, **profile}
    for _ in range(2):
        post(client, sinks, "/sms", params, **{"I-Twilio-Idempotency-Token": token})


def replays(client: FlaskClient, sinks: Sinks) -> None:
    token = f"idem-{CALL_SID}-{CANARY_CALLER}"
    for _ in range(2):
        post(client, sinks, "/voice", voice_params(), **{"I-Twilio-Idempotency-Token": token})
        post(client, sinks, "/voice/key/en/main?try=1", voice_params(Digits="1"))
        params = {"MessageSid": MESSAGE_SID, "From": CANARY_CALLER, "Body": CANARY_BODY}
        post(client, sinks, "/sms", params, **{"I-Twilio-Idempotency-Token": token})


def forced_errors(client: FlaskClient, sinks: Sinks, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("a renderer broke")

    with monkeypatch.context() as patch:
        patch.setattr(VoiceRenderer, "node", broken)
        patch.setattr(SmsRenderer, "reply", broken)
        post(client, sinks, "/voice/node/en/main", voice_params())
        post(client, sinks, "/voice/key/en/main?try=1", voice_params(Digits="1"))
        Texter(client, sent=4000).send(CANARY_BODY)
        patch.setattr(VoiceRenderer, "safe_reply", broken)
        patch.setattr(SmsRenderer, "safe_reply", broken)
        post(client, sinks, "/voice/key/en/main?try=1", voice_params(Digits="2"))
        Texter(client, sent=5000).send(CANARY_BODY)


def unsigned_and_get_requests(client: FlaskClient, sinks: Sinks) -> None:
    query = urlencode(voice_params(Body=CANARY_BODY))
    unsigned = [
        client.post("/voice", data=voice_params()),
        client.post("/sms", data={"From": CANARY_CALLER, "Body": CANARY_BODY}),
        client.get(f"/voice?{query}"),
        client.get(f"/sms?{query}"),
    ]
    for response in unsigned:
        record_response(sinks, "unsigned request", response)
    assert [response.status_code for response in unsigned[:2]] == [403, 403]
    # Webhooks take POST only; a GET gets the static 911-and-office document, nothing more.
    assert [response.data.decode() for response in unsigned[2:]] == [
        LAST_RESORT_VOICE,
        LAST_RESORT_SMS,
    ]


def dev_server_requests(app: Flask, sinks: Sinks) -> None:
    """Through werkzeug's own server, whose request log names the path and query."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        query = urlencode(voice_params(Body=CANARY_BODY))
        for url in [f"{base}/voice?{query}", f"{base}/healthz"]:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    sinks.add("dev server response", response.read().decode())
            except urllib.error.HTTPError as error:
                error.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.parametrize("scrubber", ["installed", "disabled"])
def test_no_trace_of_the_canary_anywhere(
    scrubber: str,
    redis_url: str,
    redis_server: RedisServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
    root_handler: RecordKeeper,
) -> None:
    if scrubber == "disabled":
        # Prove the app logs nothing of the caller by itself, not only after scrubbing.
        monkeypatch.setattr(hotline.privacy, "scrub", lambda text: text)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("werkzeug").setLevel(logging.DEBUG)
    roots = [tmp_path, REPO_ROOT]
    files_before = file_state(roots)
    temp_before = top_level_temp_files()
    sinks = Sinks()

    settings = app_settings(
        HOTLINE_REDIS_URL=redis_url,
        HOTLINE_METRICS_TOKEN=METRICS_TOKEN,
        HOTLINE_CALL_LIMIT="4/hour",
        HOTLINE_SMS_LIMIT="24/hour",
        HOTLINE_SMS_GLOBAL_LIMIT="1000/hour",
        HOTLINE_WHATSAPP_COUNTRIES="+1,+55",
    )
    app = create_app(settings)
    ceiling_app = create_app({**settings, "HOTLINE_SMS_GLOBAL_LIMIT": "1/hour"})
    client = app.test_client()
    content = services_of(app).store.content

    # Each texter's message SIDs in a range of their own: a repeated SID is a retry.
    pumped = Texter(ceiling_app.test_client())
    for _ in range(3):
        pumped.send(CANARY_BODY)
    forced_errors(client, sinks, monkeypatch)
    canary_calls(client, sinks)
    every_voice_route(client, content, sinks)
    canary_texts(app, client, sinks)
    canary_whatsapp(app, client, sinks)
    replays(client, sinks)
    unsigned_and_get_requests(client, sinks)
    if scrubber == "installed":
        dev_server_requests(app, sinks)
    for path in ["/healthz", "/metrics"]:
        response = client.get(path, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert response.status_code == 200
        record_response(sinks, path, response)

    # The journey really went through the limits, the errors and the log.
    usage = {(c.channel, c.item) for c in services_of(app).metrics.counts()}
    assert {("voice", "busy"), ("sms", "sms-limited"), ("sms", "sms-foreign")} <= usage
    assert {("whatsapp", "sms-limited"), ("whatsapp", "sms-foreign")} <= usage
    assert {("whatsapp", "police-role"), ("whatsapp", "stop")} <= usage
    assert any("voice webhook failed" in line for line in root_handler.lines)
    assert any("SMS webhook failed" in line for line in root_handler.lines)
    assert any("HOTLINE_SMS_GLOBAL_LIMIT" in line for line in root_handler.lines)

    for record in caplog.records + root_handler.records:
        sinks.add(f"log record {record.name}", record.__dict__)
    sinks.add("caplog", caplog.text)
    sinks.add("root handler", "\n".join(root_handler.lines))
    output = capfd.readouterr()
    sinks.add("stdout", output.out)
    sinks.add("stderr", output.err)
    for key, value in redis_server.everything().items():
        sinks.add("redis key", key)
        sinks.add(f"redis value of {key}", value)
    for path in written_since(files_before, roots) + [
        path for path, state in top_level_temp_files().items() if temp_before.get(path) != state
    ]:
        sinks.add(f"file {path}", path.read_bytes().decode("utf-8", "replace"))

    assert redis_server.everything(), "the journey used Redis"
    assert sinks.leaks() == []


def test_the_needles_find_the_canary_in_every_format() -> None:
    """The search above would see the canary however it was written."""
    url_forms = [
        "%2B14135550123",
        "%28413%29%20555-0123",
        "413%20555%200123",
        "whatsapp%3A%2B14135550123",
    ]
    for form in [*FORMATS, *WHATSAPP_FORMS, *url_forms]:
        assert leaks("x", f"log: {form}") == ["canary number in x"], form
    assert leaks("x", CALL_SID) == ["call SID in x"]
    assert leaks("x", "Zorblax+canary+words+7f3k") == ["body word in x", "message body in x"]
    assert leaks("x", hashlib.sha256(CANARY_CALLER.encode()).hexdigest()) != []
    assert leaks("x", "office +14135871249, line +14135550100, 2026-02-14 10:11:12") == []


# gunicorn, for real -------------------------------------------------------------------------


def test_gunicorn_logs_nothing_of_the_canary(redis_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        **app_settings(HOTLINE_REDIS_URL=redis_url),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "TMPDIR": str(tmp_path),
    }
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "hotline:create_app()"],
            cwd=REPO_ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz", server)
            statuses = gunicorn_requests(base)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=15)
    # A signed GET, as Twilio sends when a webhook is set to GET: its query holds the caller.
    # (GET /sms is refused; how it is refused is the webhooks' business, not this test's.)
    assert statuses[:5] == [200, 200, 200, 403, 200]
    log = out.read_text() + err.read_text()
    assert '"POST /voice" 200' in log, log
    assert '"POST /sms" 200' in log
    assert '"GET /voice" 200' in log, "the access log has the path without its query"
    found = leaks("gunicorn output", log) + [
        leak
        for path in tmp_path.rglob("*")
        if path.is_file() and path not in (out, err)
        for leak in leaks(str(path), path.read_bytes().decode("utf-8", "replace"))
    ]
    assert found == []


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn stopped"
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def gunicorn_requests(base: str) -> list[int]:
    statuses = []
    voice = voice_params()
    text = {"MessageSid": MESSAGE_SID, "From": CANARY_CALLER, "To": "+14135550100"}
    whatsapp = {
        "MessageSid": MESSAGE_SID[:-1] + "9",
        "From": WHATSAPP_FORMS[0],
        "To": "whatsapp:+14135550100",
        "WaId": CANARY_CALLER[1:],
        "ProfileName": "Zorblax",
    }
    requests = [
        ("/voice", voice, True),
        ("/voice/key/en/main?try=1", {**voice, "Digits": "1"}, True),
        ("/sms", {**text, "Body": CANARY_BODY}, True),
        ("/voice", voice, False),
        (f"/voice?{urlencode({**voice, 'Body': CANARY_BODY})}", None, True),
        (f"/sms?{urlencode({**text, 'Body': CANARY_BODY})}", None, True),
        ("/sms", {**whatsapp, "Body": CANARY_BODY}, True),
        ("/sms", {**whatsapp, "Body": "311"}, True),
    ]
    for path, params, signed in requests:
        data = None if params is None else urlencode(params).encode()
        signature = sign(PUBLIC_URL + path, params or {}, AUTH_TOKEN if signed else "wrong")
        request = urllib.request.Request(
            base + path, data=data, headers={"X-Twilio-Signature": signature}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
            error.close()
    return statuses
