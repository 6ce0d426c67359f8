"""Shared fixtures: an app on the small test tree, a signed test client, and a call driver."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hotline import cli, create_app
from tests.twilio_sim import AUTH_TOKEN, PUBLIC_URL, Call

pytest_plugins = ["tests.redis_server"]

SECRET_KEY = "test-secret-key-for-sms-cookies-0123456789abcdef"

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
REPO_ROOT = Path(__file__).resolve().parent.parent


def app_settings(content: Path = FIXTURE_CONTENT, **extra: str) -> dict[str, str]:
    return {
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "HOTLINE_MENUS_DIR": str(content / "menus"),
        "HOTLINE_MESSAGES_DIR": str(content / "messages"),
        "HOTLINE_DEV": "",
        "HOTLINE_SECRET_KEY": SECRET_KEY,
        **extra,
    }


@pytest.fixture(autouse=True)
def error_logs_in_the_test_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A test that makes the CLI fail leaves its error log in its own folder, not in /tmp."""
    monkeypatch.setattr(cli, "error_log_dir", lambda: tmp_path / "hotline-errors")


@pytest.fixture(autouse=True)
def last_good_content_in_the_test_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test keeps its last good content (hotline/content/snapshot.py) to itself."""
    monkeypatch.setenv("HOTLINE_STATE_DIR", str(tmp_path / "hotline-state"))


@pytest.fixture
def app() -> Flask:
    return create_app(app_settings())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def call(client: FlaskClient) -> Callable[[], Call]:
    return lambda: Call(client)


# Walking the whole shipped tree takes more texts from one number than a sender may send.
NO_SENDER_LIMITS = {"HOTLINE_SMS_LIMIT": "off", "HOTLINE_CALL_LIMIT": "off"}


@pytest.fixture
def shipped_app() -> Flask:
    return create_app(app_settings(REPO_ROOT, **NO_SENDER_LIMITS))


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the test tree, for tests that edit content."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, target)
    return target
