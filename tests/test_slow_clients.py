"""Clients that send half a request and wait cannot take the line down (issue 15, item 1).

gunicorn runs with the shipped gunicorn.conf.py (two workers) on a free loopback port. Two
hundred connections each send half a request, half of them stopping inside the headers and half
inside a body, and hold on. Meanwhile a signed call must be answered at once and /healthz must
answer; once they close, the workers must hold no more sockets than before and answer a burst of
calls. With gunicorn's threaded worker (2 workers x 4 threads) eight such connections were enough
to leave Twilio unanswered.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from tests.gunicorn_server import Server, healthz, open_sockets, running
from tests.twilio_sim import HOTLINE_NUMBER, PUBLIC_URL, parse_twiml, sign

HELD = 200
# Answered at all, and well inside Twilio's 15 s (the threaded worker never answered). The
# issue's bar of 1 s is a speed target, measured by bench/slow_clients.py, not by a timed test
# that a busy machine could fail.
ANSWERED_WITHIN = 5.0
# How long the workers may take to accept the connections, or to let them go once closed.
RELEASED_WITHIN = 5.0
HALF_HEADERS = b"POST /voice HTTP/1.1\r\nHost: hotline.example.org\r\nContent-Type: applic"
HALF_BODY = (
    b"POST /voice HTTP/1.1\r\nHost: hotline.example.org\r\n"
    b"X-Twilio-Signature: " + b"A" * 27 + b"=\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nCallSid=CA"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("slow") / "gunicorn.log") as server:
        yield server


def signed_call(port: int, n: int, timeout: float = 5.0) -> tuple[float, bytes]:
    """A greeting as Twilio asks for it, on a connection of its own: (seconds, TwiML)."""
    fields = {"CallSid": f"CA{n:032x}", "From": f"+1413555{n % 10_000:04d}", "To": HOTLINE_NUMBER}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(PUBLIC_URL + "/voice", fields),
    }
    started = time.monotonic()
    try:
        connection.request("POST", "/voice", body=urlencode(fields), headers=headers)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200
        return time.monotonic() - started, body
    finally:
        connection.close()


def is_greeting(document: bytes) -> bool:
    return parse_twiml(document).find("Gather") is not None


def hold_half_sent(port: int, count: int) -> list[socket.socket]:
    held = []
    for n in range(count):
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        connection.sendall(HALF_HEADERS if n % 2 else HALF_BODY)
        held.append(connection)
    return held


def sockets_of(server: Server) -> int:
    return sum(open_sockets(pid) for pid in server.workers())


def test_a_signed_call_and_healthz_are_answered_while_200_connections_hang(
    server: Server,
) -> None:
    assert is_greeting(signed_call(server.port, 1)[1])
    before = sockets_of(server)
    held = hold_half_sent(server.port, HELD)
    try:
        # Every half request reaches a worker, which accepts it and waits for the rest.
        deadline = time.monotonic() + RELEASED_WITHIN
        while sockets_of(server) < before + HELD:
            assert time.monotonic() < deadline, f"{sockets_of(server) - before} accepted"
            time.sleep(0.1)
        time.sleep(0.2)  # and has read what was sent

        seconds, document = signed_call(server.port, 2, timeout=ANSWERED_WITHIN * 3)
        assert is_greeting(document)
        assert seconds < ANSWERED_WITHIN
        assert healthz(server.port, timeout=ANSWERED_WITHIN) == 200
    finally:
        for connection in held:
            connection.close()

    # Nothing is left stuck: the workers let go of every connection...
    deadline = time.monotonic() + RELEASED_WITHIN
    while sockets_of(server) > before:
        assert time.monotonic() < deadline, f"{sockets_of(server) - before} connections still held"
        time.sleep(0.1)
    # ...and answer many callers at once, as before.
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda n: signed_call(server.port, n), range(100, 132)))
    assert all(is_greeting(document) for _, document in answers)


def test_a_request_trickled_one_header_line_at_a_time_holds_no_one_up(server: Server) -> None:
    """The chaos review's variant: a header line every so often, never the end of the headers."""
    held = hold_half_sent(server.port, HELD)
    try:
        for round_ in range(3):
            for connection in held:
                connection.sendall(f"X-Trickle-{round_}: 1\r\n".encode())
            seconds, document = signed_call(server.port, 200 + round_, timeout=ANSWERED_WITHIN * 2)
            assert is_greeting(document) and seconds < ANSWERED_WITHIN
            time.sleep(0.3)
    finally:
        for connection in held:
            connection.close()
