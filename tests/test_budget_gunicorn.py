"""The time budget under gunicorn, for real: a stalled webhook is answered by the watchdog.

gunicorn runs with gunicorn.conf.py on a free loopback port and tests/slow_app.py, whose greeting
and text replies stall for 2 s for the canary caller, against a budget of 0.5 s. The safe answer
must arrive on time, whole and valid; the late answer's write must fail without a word in the log.
The last tests drive the watchdog on a socketpair, to see the exact bytes it writes.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from hotline.budget import RequestBudget
from hotline.safe_twiml import LAST_RESORT_SMS
from tests.gunicorn_server import Server, running
from tests.slow_app import STALL_SECONDS
from tests.twilio_sim import (
    CALL_SID,
    CANARY_CALLER,
    HOTLINE_NUMBER,
    PUBLIC_URL,
    SMS_VERBS,
    parse_twiml,
    sign,
)

BUDGET = 0.5
# The budget, plus room for a busy test machine; below the stall.
ANSWERED_WITHIN = 1.5
OTHER_CALLER = "+14135550199"
OFFICE_SPOKEN = "4 1 3, 5 8 7, 1 2 4 9"
OFFICE_WRITTEN = "413-587-1249"
SAFE_TEXT = LAST_RESORT_SMS.encode("utf-8")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("budget") / "gunicorn.log"
    settings = {"HOTLINE_REQUEST_BUDGET_SECONDS": str(BUDGET)}
    with running(log, "tests.slow_app:create_app()", settings, workers=1) as server:
        yield server


def post(port: int, path: str, fields: dict[str, str]) -> Answer:
    """POST as Twilio does, signed, on a connection of its own."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(PUBLIC_URL + path, fields),
    }
    try:
        started = time.monotonic()
        connection.request("POST", path, body=urlencode(fields), headers=headers)
        response = connection.getresponse()
        body = response.read()
        seconds = time.monotonic() - started
        return Answer(response.status, dict(response.getheaders()), body, seconds)
    finally:
        connection.close()


def call(port: int, caller: str) -> Answer:
    return post(port, "/voice", {"CallSid": CALL_SID, "From": caller, "To": HOTLINE_NUMBER})


def text(port: int, sender: str) -> Answer:
    fields = {"MessageSid": "SM" + "d" * 32, "From": sender, "To": HOTLINE_NUMBER, "Body": "hi"}
    return post(port, "/sms", fields)


def is_safe_voice(answer: Answer) -> bool:
    says = parse_twiml(answer.body).findall("Say")
    return answer.status == 200 and all("9 1 1" in s.text and OFFICE_SPOKEN in s.text for s in says)


def is_safe_text(answer: Answer) -> bool:
    message = parse_twiml(answer.body, SMS_VERBS).findtext("Message") or ""
    return answer.status == 200 and "911" in message and OFFICE_WRITTEN in message


def is_reply(answer: Answer) -> bool:
    """A text's own reply, not the safe document."""
    message = parse_twiml(answer.body, SMS_VERBS).find("Message")
    return answer.status == 200 and message is not None and answer.body != SAFE_TEXT


def is_greeting(answer: Answer) -> bool:
    return answer.status == 200 and parse_twiml(answer.body).find("Gather") is not None


def test_a_stalled_call_gets_the_safe_answer_from_the_watchdog_then_calls_go_on(
    server: Server,
) -> None:
    late = call(server.port, CANARY_CALLER)

    assert late.seconds < ANSWERED_WITHIN
    assert is_safe_voice(late)
    assert late.headers["Content-Type"].startswith("text/xml")
    # Only the watchdog closes the connection: the request ran on gunicorn's thread.
    assert late.headers["Connection"] == "close"
    assert is_greeting(call(server.port, OTHER_CALLER))


def test_stalled_and_normal_requests_at_once_all_get_a_valid_answer(server: Server) -> None:
    time.sleep(STALL_SECONDS)  # the last test's stalled handler is done: all threads are free
    with ThreadPoolExecutor(8) as pool:
        slow = [pool.submit(call, server.port, CANARY_CALLER)]
        slow += [pool.submit(text, server.port, CANARY_CALLER) for _ in range(2)]
        time.sleep(0.2)  # the stalled three hold three of the four threads
        fast = [pool.submit(call, server.port, OTHER_CALLER) for _ in range(3)]
        fast += [pool.submit(text, server.port, OTHER_CALLER) for _ in range(2)]
        answers = [job.result() for job in slow + fast]

    assert all(answer.seconds < ANSWERED_WITHIN for answer in answers[:3])
    assert all(answer.headers["Connection"] == "close" for answer in answers[:3])
    assert is_safe_voice(answers[0])
    assert is_safe_text(answers[1]) and is_safe_text(answers[2])
    # The fourth thread, kept off the watched path, answers everyone else meanwhile.
    assert all(is_greeting(answer) for answer in answers[3:6])
    assert all(is_reply(answer) for answer in answers[6:])


def test_the_late_answers_fail_quietly_and_the_log_has_no_caller(server: Server) -> None:
    # Let every stalled handler finish and meet its closed socket.
    time.sleep(STALL_SECONDS + 0.5)
    assert is_greeting(call(server.port, OTHER_CALLER))
    server.process.terminate()
    server.process.wait(timeout=20)
    log = server.log.read_text()

    assert "took longer than its 0.5 s budget" in log
    assert "Traceback" not in log
    problems = [
        line
        for line in log.splitlines()
        if ("ERROR" in line or "error" in line.lower()) and "budget" not in line
    ]
    assert problems == []
    assert CANARY_CALLER not in log and CANARY_CALLER.lstrip("+") not in log


# The watchdog on a socket of its own, without gunicorn ------------------------------------


def stuck_budget(release: threading.Event, threads: int = 4) -> RequestBudget:
    def stuck(environ, start_response):
        release.wait(10)
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<Response/>"]

    return RequestBudget(stuck, 0.2, threads=threads)


def environ_on(sock: socket.socket, protocol: str = "HTTP/1.1") -> dict:
    return {"PATH_INFO": "/sms", "SERVER_PROTOCOL": protocol, "gunicorn.socket": sock}


def test_the_watchdog_writes_a_whole_response_then_the_late_write_meets_a_closed_socket() -> None:
    release = threading.Event()
    ours, theirs = socket.socketpair()
    with ours, theirs, ThreadPoolExecutor(1) as pool:
        late = pool.submit(stuck_budget(release), environ_on(ours), lambda *args: None)
        theirs.settimeout(5)
        received = b""
        while chunk := theirs.recv(4096):  # to the end: the watchdog shut the socket for writing
            received += chunk
        release.set()
        body_of_the_late_answer = b"".join(late.result(5))

        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        assert lines[0] == "HTTP/1.1 200 OK"
        assert f"Content-Length: {len(body)}" in lines and "Connection: close" in lines
        assert body == SAFE_TEXT
        with pytest.raises(BrokenPipeError):
            ours.sendall(body_of_the_late_answer)


@pytest.mark.parametrize(("protocol", "threads"), [("HTTP/2.0", 4), ("HTTP/1.1", 1)])
def test_a_shared_connection_or_the_last_free_thread_takes_the_hand_off(
    protocol: str, threads: int
) -> None:
    release = threading.Event()
    ours, theirs = socket.socketpair()
    statuses: list[str] = []
    with ours, theirs:
        body = stuck_budget(release, threads)(
            environ_on(ours, protocol), lambda status, headers: statuses.append(status)
        )
        release.set()
        theirs.setblocking(False)
        with pytest.raises(BlockingIOError):
            theirs.recv(1)  # nothing was written on the socket
    assert statuses == ["200 OK"] and b"".join(body) == SAFE_TEXT
