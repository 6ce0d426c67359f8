"""The README's first five minutes: `hotline serve --dev` serves a page at `/` and the console."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline import create_app
from tests.conftest import app_settings
from tests.redis_server import free_port

# The command as installed beside this Python, as a newcomer runs it.
HOTLINE = str(Path(sys.executable).with_name("hotline"))
BANNER_PASSWORD = re.compile(
    r"Staff console: (http://\S+) \(any user name, password for this run: (\S+)\)"
)


def get(url: str, password: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if password is not None:
        token = base64.b64encode(f"newcomer:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""


def answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except urllib.error.URLError:
        return False


@pytest.fixture
def dev_server() -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    """`hotline serve --dev` as a newcomer starts it; yields its address, password and process."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    process = subprocess.Popen(
        [HOTLINE, "serve", "--dev", "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stderr is not None
        banner: list[str] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            banner.append(line)
            if match := BANNER_PASSWORD.search(line):
                break
        else:
            pytest.fail("no console password in the banner:\n" + "".join(banner))
        address = f"http://127.0.0.1:{port}"
        while not answers(address + "/healthz") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert match[1] == address + "/staff/"
        yield address, match[2], process
        assert sum("DEV MODE" in line for line in banner) == 1
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def test_serve_dev_has_a_front_page_and_the_console_with_the_printed_password(
    dev_server: tuple[str, str, subprocess.Popen[str]],
) -> None:
    address, password, _ = dev_server
    status, page = get(address + "/")
    assert status == 200
    assert "Northampton information hotline" in page
    for link in ('href="/staff/"', 'href="/healthz"'):
        assert link in page
    assert "curl -X POST http://127.0.0.1:5000/voice" in page
    assert get(address + "/healthz")[0] == 200
    assert get(address + "/staff/")[0] == 401
    status, console = get(address + "/staff/", password)
    assert status == 200 and "Phone simulator" in console
    assert get(address + "/favicon.ico")[0] == 204


def test_one_dev_mode_warning_names_everything_left_out(caplog: pytest.LogCaptureFixture) -> None:
    create_app({"HOTLINE_DEV": "1", "TWILIO_AUTH_TOKEN": "", "HOTLINE_SECRET_KEY": ""})
    warnings = [r.getMessage() for r in caplog.records if "DEV MODE" in r.getMessage()]
    assert len(warnings) == 1
    assert "TWILIO_AUTH_TOKEN" in warnings[0] and "HOTLINE_SECRET_KEY" in warnings[0]


def test_a_production_line_has_no_front_page() -> None:
    client = create_app(app_settings()).test_client()
    assert client.get("/").status_code == 404
