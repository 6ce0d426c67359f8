"""HOTLINE_SECRET_KEY: required outside dev mode, made up for one run in dev mode."""

from __future__ import annotations

import logging

import pytest

from hotline import create_app
from hotline.config import ConfigError
from tests.conftest import app_settings


def test_the_secret_key_is_required_outside_dev_mode():
    with pytest.raises(ConfigError, match=r"^HOTLINE_SECRET_KEY is not set\. .*token_hex"):
        create_app(app_settings(HOTLINE_SECRET_KEY=""))


def test_a_short_secret_key_is_refused():
    with pytest.raises(ConfigError, match=r"HOTLINE_SECRET_KEY has 6 characters; use at least 32"):
        create_app(app_settings(HOTLINE_SECRET_KEY="secret"))


def test_dev_mode_makes_up_a_key_and_says_so(caplog):
    caplog.set_level(logging.WARNING)
    first = create_app(app_settings(HOTLINE_SECRET_KEY="", HOTLINE_DEV="1"))
    second = create_app(app_settings(HOTLINE_SECRET_KEY="", HOTLINE_DEV="1"))
    assert first.secret_key and len(first.secret_key) >= 32
    assert first.secret_key != second.secret_key
    assert "HOTLINE_SECRET_KEY is not set, so a random one was made" in caplog.text


def test_the_key_signs_the_sessions():
    app = create_app(app_settings())
    assert app.secret_key == app_settings()["HOTLINE_SECRET_KEY"]
