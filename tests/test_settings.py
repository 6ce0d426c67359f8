"""Settings: read in one pass, every problem told at once, 'off' everywhere, all documented."""

from __future__ import annotations

import logging
import re

import pytest

from hotline import create_app
from hotline.config import ConfigError
from hotline.settings import SERVER_VARIABLES, VARIABLES, Settings
from tests.conftest import REPO_ROOT, app_settings


def test_every_problem_is_told_at_once() -> None:
    wrong = {
        "TWILIO_AUTH_TOKEN": "",
        "HOTLINE_CALL_LIMIT": "lots",
        "HOTLINE_SMS_COUNTRIES": "1",
        "HOTLINE_RELOAD_SECONDS": "soon",
        "HOTLINE_STAFF_PASSWORD": "short",
        "HOTLINE_LOG_FORMAT": "xml",
        "HOTLINE_OLD_SECRET_KEYS": "tiny",
    }
    with pytest.raises(ConfigError) as raised:
        create_app(app_settings(**wrong))
    message = str(raised.value)
    assert message.startswith("7 settings need fixing:\n- ")
    for name in wrong:
        assert f"- {name}" in message
    assert len(raised.value.problems) == len(wrong)


def test_one_problem_is_told_as_it_is() -> None:
    with pytest.raises(ConfigError, match=r"^HOTLINE_CALL_LIMIT is 'lots'; write it as"):
        Settings.from_env(app_settings(HOTLINE_CALL_LIMIT="lots"))


@pytest.mark.parametrize("off", ["off", "OFF", " no ", "none"])
def test_off_switches_off_every_setting_that_can_be(off: str) -> None:
    names = [
        "HOTLINE_CALL_LIMIT",
        "HOTLINE_SMS_LIMIT",
        "HOTLINE_SMS_GLOBAL_LIMIT",
        "HOTLINE_RELOAD_SECONDS",
        "HOTLINE_STAFF_PASSWORD",
        "HOTLINE_METRICS_TOKEN",
        "HOTLINE_REDIS_URL",
        "HOTLINE_PUBLIC_URL",
        "HOTLINE_DEV",
        "HOTLINE_OLD_SECRET_KEYS",
    ]
    settings = Settings.from_env(app_settings(**dict.fromkeys(names, off)))
    abuse = settings.abuse
    assert (abuse.call_limit, abuse.sms_limit, abuse.sms_global_limit) == (None, None, None)
    assert (abuse.metrics_token, abuse.redis_url) == (None, None)
    assert (settings.reload_seconds, settings.staff_password, settings.public_url) == (
        None,
        None,
        None,
    )
    assert not settings.dev
    assert settings.old_secret_keys == ()


def test_a_dev_setting_that_is_neither_on_nor_off_is_refused() -> None:
    with pytest.raises(ConfigError, match="HOTLINE_DEV is 'maybe'"):
        Settings.from_env(app_settings(HOTLINE_DEV="maybe"))


def test_every_hint_names_python3() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(app_settings(HOTLINE_SECRET_KEY=""))
    assert "python3 -c 'import secrets" in str(raised.value)
    sources = [*(REPO_ROOT / "hotline").rglob("*.py"), REPO_ROOT / "README.md"]
    assert not [path for path in sources if re.search(r"\bpython -c\b", path.read_text())]


def test_a_setting_this_version_does_not_know_is_named_at_start_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    create_app(app_settings(HOTLINE_REQUEST_BUDGET_SECONDS="5"))
    assert "HOTLINE_REQUEST_BUDGET_SECONDS set, but this version" in caplog.text


def readme_table_names() -> set[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Settings (environment variables)", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_every_setting_is_in_the_readme_table_and_nothing_else_is() -> None:
    assert readme_table_names() == {*VARIABLES, *SERVER_VARIABLES}
