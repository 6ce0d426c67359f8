"""A real headless Chromium on the staff console, served by the app on a loopback port.

Uses Debian's chromium through Playwright; no browser is ever downloaded. Without
/usr/bin/chromium the browser tests skip and say why.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from hotline import create_app
from tests.conftest import FIXTURE_CONTENT, REPO_ROOT, app_settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "quiet-ferry-lantern-orchid"
ARTIFACTS = REPO_ROOT / "test-artifacts"
# A message text with an unknown field, so the map has a warning to highlight.
TYPO = ("    title: lo que hace la policía\n", "    title: lo que hace la policía\n    tittle: x\n")


def content_with_a_warning(target: Path) -> Path:
    shutil.copytree(FIXTURE_CONTENT, target)
    es = target / "messages" / "es.yaml"
    es.write_text(es.read_text(encoding="utf-8").replace(*TYPO), encoding="utf-8")
    return target


def console_app(content: Path) -> Flask:
    return create_app(
        app_settings(content, HOTLINE_STAFF_PASSWORD=PASSWORD, HOTLINE_RELOAD_SECONDS="0")
    )


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def console_app_and_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    app = console_app(content_with_a_warning(tmp_path_factory.mktemp("console") / "content"))
    with serving(app) as url:
        yield app, url


@pytest.fixture
def base_url(console_app_and_url: tuple[Flask, str]) -> str:
    return console_app_and_url[1]


@pytest.fixture
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(
        http_credentials={"username": "staff", "password": PASSWORD},
        viewport={"width": 1280, "height": 900},
        base_url=base_url,
    )
    context.set_default_timeout(5000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
