"""`hotline check`: exit codes, errors and warnings apart, and never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline import cli
from tests.broken_cases import build_case
from tests.conftest import FIXTURE_CONTENT


def run_check(folder: Path, *extra: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(folder)
    return CliRunner().invoke(
        cli.main, ["check", "--menus", "menus", "--messages", "messages", *extra]
    )


def test_clean_content_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_check(FIXTURE_CONTENT, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert "Errors" not in result.output
    assert result.output.splitlines()[-1] == (
        "0 error(s), 8 warning(s). The content is ready to use."
    )


def test_errors_fail_with_file_line_and_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = run_check(build_case("cycle", tmp_path), monkeypatch=monkeypatch)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:3] == [
        "Errors (1):",
        "menus/tree.yaml:6: error: menus loop back on themselves: main -> police -> main",
        "    Hint: the back and main-menu keys already return; remove the option that loops",
    ]
    assert lines[-1] == (
        "1 error(s), 0 warning(s). Fix the errors: the line keeps the last good version until then."
    )


def test_errors_come_before_warnings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    output = run_check(build_case("bad-reference", tmp_path), monkeypatch=monkeypatch).output
    assert output.index("Errors (1):") < output.index("Warnings (1):")
    errors, warnings = output.split("Warnings (1):")
    assert "points to 'servces'" in errors and "cannot be reached" not in errors
    assert "'services' cannot be reached from the main menu" in warnings


def test_warnings_pass_unless_strict(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = build_case("unreachable", tmp_path)
    assert run_check(folder, monkeypatch=monkeypatch).exit_code == 0
    strict = run_check(folder, "--strict", monkeypatch=monkeypatch)
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1].endswith("--strict: warnings count as errors.")


def test_folders_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    folder = build_case("cycle", tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOTLINE_MENUS_DIR", str(folder / "menus"))
    monkeypatch.setenv("HOTLINE_MESSAGES_DIR", str(folder / "messages"))
    result = CliRunner().invoke(cli.main, ["check"])
    assert result.exit_code == 1
    assert "menus loop back on themselves" in result.output


def test_a_missing_folder_is_a_problem_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.main, ["check", "--menus", "nowhere", "--messages", "nowhere"])
    assert result.exit_code == 1
    assert "nowhere: error: the menus folder does not exist" in result.output


def test_an_unexpected_error_gives_a_short_message_and_a_log_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken_loader(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(cli, "load_content", broken_loader)
    monkeypatch.setattr(cli, "error_log_dir", lambda: tmp_path)
    result = CliRunner().invoke(cli.main, ["check", "--strict"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "unexpected error (RuntimeError)" in result.output
    (log,) = tmp_path.glob("hotline-error-*.log")
    assert str(log) in result.output
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: something inside broke" in text
    # The command that failed, not the test runner's own arguments.
    assert text.splitlines()[0] == "command: hotline check --strict"


def test_error_logs_do_not_pile_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cli, "error_log_dir", lambda: tmp_path)
    for _ in range(cli.ERROR_LOGS_KEPT + 5):
        cli.write_error_log(RuntimeError("again"))
    assert len(list(tmp_path.glob("hotline-error-*.log"))) == cli.ERROR_LOGS_KEPT


def test_version() -> None:
    result = CliRunner().invoke(cli.main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"hotline {cli.package_version()}"
    assert cli.package_version() != "unknown"


@pytest.mark.parametrize("day", ["yesterday", "2026-13-01", "2026-2-14", "14/02/2026"])
def test_stats_refuses_a_day_that_is_not_a_date(day: str) -> None:
    result = CliRunner().invoke(cli.main, ["stats", "--day", day])
    assert result.exit_code == 2
    assert "such as --day 2026-02-14" in result.output


def test_a_busy_port_names_the_option_to_change_it() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli.main, ["serve", "--dev", "--port", str(port)])
    assert result.exit_code == 1
    assert f"Port {port} on 127.0.0.1 is in use" in result.output
    assert f"hotline serve --dev --port {port + 1}" in result.output


def test_a_reader_that_goes_away_is_not_a_bug(tmp_path: Path) -> None:
    """`hotline preview text ... | head -1`: quiet, no error log, no 'This is a bug'."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    command = [sys.executable, "-m", "hotline", "preview", "text", "hello", "1", "2", "3", "4"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as run:
        assert run.stdout is not None and run.stderr is not None
        # The reader goes away before the first line is written, as `head` does after its lines:
        # every write of the command then meets a closed pipe.
        run.stdout.close()
        errors = run.stderr.read().decode()
        run.wait(timeout=60)
    assert "bug" not in errors and "Traceback" not in errors
    assert not list(tmp_path.rglob("hotline-error-*.log"))


def test_the_release_phase_runs_the_check() -> None:
    procfile = (Path(__file__).resolve().parent.parent / "Procfile").read_text(encoding="utf-8")
    assert "release: hotline check" in procfile.splitlines()
