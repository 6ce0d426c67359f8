"""The `hotline` command: run the line, check content, preview calls and texts, map the tree.

Commands stay thin: they read options, call plain functions and turn the result into an exit code.
An unexpected error never shows staff a traceback: it goes to a log file, with a short message.
"""

from __future__ import annotations

import functools
import os
import platform
import secrets
import socket
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TextIO

import click

from hotline import settings
from hotline.config import ConfigError
from hotline.content.load import load_content
from hotline.content.model import Content
from hotline.content.problems import ProblemList
from hotline.content.store import ContentError
from hotline.services import services_of
from hotline.settings import environment
from hotline.stats_cli import stats
from hotline.treemap import FORMATS

OFFICE_OUTCOMES = ("completed", "busy", "no-answer", "failed")


# An error log per unexpected failure, in a folder of their own; the newest few are kept.
ERROR_LOGS_KEPT = 20


def error_log_dir() -> Path:
    """Where unexpected errors are written (tests point this at their own temporary folder)."""
    return Path(tempfile.gettempdir()) / "hotline-errors"


def never_a_traceback(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn an unexpected error into a short message and a log file, like pre-commit does."""

    @functools.wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            raise  # the reader went away (`hotline ... | head`): not a bug; main() ends quietly
        except Exception as error:
            log = write_error_log(error, command_line())
            click.echo(
                f"hotline stopped on an unexpected error ({type(error).__name__}). This is a bug "
                f"in the hotline, not in your menus or messages. Details for a developer: {log}",
                err=True,
            )
            sys.exit(1)

    return guarded


def command_line() -> str:
    """The command that is running, as typed (`hotline preview text --lang es hola`)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return "hotline"
    words = ["hotline", *context.command_path.split()[1:]]
    for name, value in context.params.items():
        option = f"--{name.replace('_', '-')}"
        if value is True:
            words.append(option)
        elif isinstance(value, tuple | list):
            words += [str(item) for item in value]  # arguments such as the texts to preview
        elif value not in (None, False):
            words += [option, str(value)]
    return " ".join(words)


def write_error_log(error: BaseException, command: str = "hotline") -> Path:
    """Write the traceback of `error` to a new file in error_log_dir(); its path."""
    folder = error_log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", prefix="hotline-error-", suffix=".log", dir=folder, delete=False, encoding="utf-8"
    ) as handle:
        handle.write(f"command: {command}\n")
        handle.write(f"python: {platform.python_version()} on {platform.platform()}\n\n")
        handle.write("".join(traceback.format_exception(error)))
    old = sorted(folder.glob("hotline-error-*.log"), key=lambda log: log.stat().st_mtime)
    for stale in old[:-ERROR_LOGS_KEPT]:
        stale.unlink(missing_ok=True)
    return Path(handle.name)


def content_dirs(menus_dir: Path | None, messages_dir: Path | None) -> tuple[Path, Path]:
    """The folders given, else HOTLINE_MENUS_DIR / HOTLINE_MESSAGES_DIR, else the repo's."""
    menus, messages = settings.content_dirs(environment())
    return menus_dir or menus, messages_dir or messages


def sources_dir() -> Path | None:
    """HOTLINE_SOURCES_DIR, else None: the sources/ folder beside the menus folder."""
    return settings.sources_dir_of(environment())


def content_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--menus and --messages, shared by every command that reads content."""
    command = click.option(
        "--messages",
        "messages_dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Messages folder (default: messages/ or HOTLINE_MESSAGES_DIR).",
    )(command)
    return click.option(
        "--menus",
        "menus_dir",
        type=click.Path(path_type=Path, file_okay=False),
        help="Menus folder (default: menus/ or HOTLINE_MENUS_DIR).",
    )(command)


class Hotline(click.Group):
    """The command group; a reader that goes away (`| head`) ends the command quietly."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            result = super().main(*args, **kwargs)
            sys.stdout.flush()
            return result
        except BrokenPipeError:
            # Python's advice: point stdout at devnull so the flush at exit does not fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)


def package_version() -> str:
    try:
        return version("northampton-hotline")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


@click.group(cls=Hotline)
@click.version_option(package_version(), prog_name="hotline", message="%(prog)s %(version)s")
def main() -> None:
    """Northampton's information hotline by phone and text message."""


@main.command()
@click.option("--dev", is_flag=True, help="Run without TWILIO_AUTH_TOKEN; never on a public line.")
@click.option("--port", default=5000, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
def serve(dev: bool, port: int, host: str) -> None:
    """Run the hotline on this machine."""
    from hotline import create_app

    overrides = {"HOTLINE_DEV": "1"} if dev else {}
    staff_password = None
    if dev and not os.environ.get("HOTLINE_STAFF_PASSWORD", "").strip():
        # A password made for this run, printed below: the console is on at once, and nothing
        # else on this machine (another user, a web page rebinding its name to 127.0.0.1) can
        # use it without the terminal.
        staff_password = secrets.token_urlsafe(12)
        overrides["HOTLINE_STAFF_PASSWORD"] = staff_password
    try:
        app = create_app(overrides)
    except (ConfigError, ContentError) as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    if not port_is_free(host, port):
        again = f"hotline serve{' --dev' if dev else ''} --port {port + 1}"
        click.echo(
            f"Port {port} on {host} is in use by another program. Stop that program, or start "
            f"the hotline on another port: {again}",
            err=True,
        )
        sys.exit(1)
    if dev:
        _dev_banner(host, port, staff_password)
    app.run(host=host, port=port)


def _dev_banner(host: str, port: int, staff_password: str | None) -> None:
    """Where a newcomer goes next; the one dev-mode warning is the app's, in the log."""
    address = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    lines = [f"The hotline: {address}/ (what this is, and examples)", f"Health: {address}/healthz"]
    if staff_password is not None:
        lines.append(
            f"Staff console: {address}/staff/ (any user name, password for this run: "
            f"{staff_password})"
        )
    else:
        lines.append(f"Staff console: {address}/staff/ (password: HOTLINE_STAFF_PASSWORD)")
    click.echo("\n".join(lines), err=True)


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (werkzeug's own message names no option)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except socket.gaierror:
        return True  # let the server report the bad address in its own words
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # The same option the server sets, so a port left in TIME_WAIT does not look busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


# Checking -------------------------------------------------------------------------------------


def report(problems: ProblemList, strict: bool) -> tuple[list[str], int]:
    """The lines `hotline check` prints, errors and warnings apart, and its exit code."""
    errors = sorted(set(problems.errors))
    warnings = sorted(set(problems.warnings))
    lines: list[str] = []
    for title, group in (("Errors", errors), ("Warnings", warnings)):
        if group:
            lines += [f"{title} ({len(group)}):", *(p.format() for p in group), ""]
    failed = bool(errors) or (strict and bool(warnings))
    summary = f"{len(errors)} error(s), {len(warnings)} warning(s)."
    if errors:
        summary += " Fix the errors: the line keeps the last good version until then."
    elif warnings and strict:
        summary += " --strict: warnings count as errors."
    else:
        summary += " The content is ready to use."
    return [*lines, summary], 1 if failed else 0


@main.command()
@content_options
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@never_a_traceback
def check(menus_dir: Path | None, messages_dir: Path | None, strict: bool) -> None:
    """Check menus and messages; list every problem with its file and line."""
    menus_dir, messages_dir = content_dirs(menus_dir, messages_dir)
    result = load_content(menus_dir, messages_dir, Path.cwd(), sources_dir())
    lines, code = report(result.problems, strict)
    for line in lines:
        click.echo(line)
    sys.exit(code)


# Map ------------------------------------------------------------------------------------------


@main.command("map")
@content_options
@click.option("--lang", help="Language of the titles (default: the default language).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice((*FORMATS, "svg")),
    default="text",
    show_default=True,
    help="Plain text, a Mermaid flowchart (GitHub shows it), Graphviz dot, or an SVG picture.",
)
@click.option(
    "--timing",
    is_flag=True,
    help="Instead of the tree: seconds from call start until each answer is heard, per language.",
)
@never_a_traceback
def tree_map(
    menus_dir: Path | None,
    messages_dir: Path | None,
    lang: str | None,
    output_format: str,
    timing: bool,
) -> None:
    """Print the whole menu tree with its keys and titles."""
    from hotline.treemap import timing_table
    from hotline.treemap import tree_map as render_map
    from hotline.treesvg import tree_svg

    content, code = _content_in(menus_dir, messages_dir, lang)
    if timing:
        codes = [code] if lang else [language.code for language in content.languages]
        click.echo(timing_table(content, codes), nl=False)
        return
    if output_format == "svg":
        click.echo(tree_svg(content, code), nl=False)
        return
    click.echo(render_map(content, code, output_format), nl=False)


def _content_in(
    menus_dir: Path | None, messages_dir: Path | None, lang: str | None
) -> tuple[Content, str]:
    """The content without errors (else its problems, and exit 1) and the language asked for."""
    menus_dir, messages_dir = content_dirs(menus_dir, messages_dir)
    result = load_content(menus_dir, messages_dir, Path.cwd(), sources_dir())
    if result.content is None:
        lines, _ = report(result.problems, strict=False)
        click.echo("\n".join(lines), err=True)
        sys.exit(1)
    code = lang or result.content.default_language
    if code not in result.content.translations:
        known = ", ".join(language.code for language in result.content.languages)
        raise click.BadParameter(
            f"'{code}' is not a language of the line ({known})", param_hint="--lang"
        )
    return result.content, code


# Review ---------------------------------------------------------------------------------------


@main.command()
@content_options
@click.option("--lang", help="Language to review (default: the source language, English).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("html", "md")),
    default="html",
    show_default=True,
    help="HTML to print on paper, or Markdown.",
)
@never_a_traceback
def review(
    menus_dir: Path | None, messages_dir: Path | None, lang: str | None, output_format: str
) -> None:
    """Write a review sheet: each message beside what it cites, with boxes to tick and sign.

    Save it and print it: hotline review --lang es > review-es.html
    """
    from hotline.review import review_sheet

    content, code = _content_in(menus_dir, messages_dir, lang)
    click.echo(review_sheet(content, code, output_format), nl=False)


# Previews -------------------------------------------------------------------------------------


@main.group()
def preview() -> None:
    """Hear a call or read a text conversation without Twilio, from the real app."""


def _preview_app(menus_dir: Path | None, messages_dir: Path | None) -> Any:
    from hotline.preview import preview_app

    if menus_dir or messages_dir:
        menus_dir, messages_dir = content_dirs(menus_dir, messages_dir)
    try:
        return preview_app(menus_dir, messages_dir, {"HOTLINE_RELOAD_SECONDS": "off"})
    except (ConfigError, ContentError) as error:
        click.echo(str(error), err=True)
        sys.exit(1)


def _language(app: Any, lang: str | None) -> Any:
    if lang is None:
        return None
    content = services_of(app).store.content
    language = content.language(lang)
    if language is None:
        known = ", ".join(language.code for language in content.languages)
        raise click.BadParameter(
            f"'{lang}' is not a language of the line ({known})", param_hint="--lang"
        )
    return language


def parse_keys(words: Iterable[str]) -> list[str]:
    """Keys from `--keys 2 1 0`, `--keys 210` or `2 - 1`: each character a key, '-' silence."""
    keys = [c for word in words for c in word if not c.isspace()]
    for key in keys:
        if key not in "0123456789*#-":
            raise click.BadParameter(
                f"'{key}' is not a phone key; use 0-9, * and # (in quotes), or - for silence",
                param_hint="--keys",
            )
    return keys


@preview.command("call")
@content_options
@click.option("--lang", help="Choose this language at the greeting first.")
@click.option("--keys", "first_key", help="Keys to press, such as --keys 2 1 0; '-' is silence.")
@click.option(
    "--office",
    type=click.Choice(OFFICE_OUTCOMES),
    default="completed",
    show_default=True,
    help="How a transfer to the office ends.",
)
@click.argument("more_keys", nargs=-1)
@never_a_traceback
def preview_call(
    menus_dir: Path | None,
    messages_dir: Path | None,
    lang: str | None,
    first_key: str | None,
    office: str,
    more_keys: tuple[str, ...],
) -> None:
    """Print what a caller hears; type keys as you go when no keys are given."""
    from hotline.preview import start_call

    app, token = _preview_app(menus_dir, messages_dir)
    language = _language(app, lang)
    keys = parse_keys([first_key or "", *more_keys])
    interactive = first_key is None and not more_keys
    call = start_call(app, token)
    printed = _print_new(call.events, 0)
    steps = ([language.key] if language else []) + keys
    for key in steps:
        if not _waiting_for_key(call):
            click.echo(f"  [the call has ended; key {key} and those after it were not pressed]")
            return
        call.silence() if key == "-" else call.press(key)
        printed = _follow_transfers(call, office, printed)
    if interactive:
        _interactive_call(call, office, printed, sys.stdin)
    elif _waiting_for_key(call):
        click.echo("  [preview stops here: the line is waiting for a key]")


def _waiting_for_key(call: Any) -> bool:
    return call.waiting is not None and call.waiting.kind == "key"


def _follow_transfers(call: Any, office: str, printed: int) -> int:
    """Print what the call did, ending each transfer to the office with `office`."""
    while call.waiting is not None and call.waiting.kind == "transfer":
        printed = _print_new(call.events, printed)
        call.transfer_ends(office)
    return _print_new(call.events, printed)


def _interactive_call(call: Any, office: str, printed: int, stdin: TextIO) -> None:
    while _waiting_for_key(call):
        click.echo("Key (0-9, *, #), Enter for silence, q to hang up: ", nl=False)
        answer = stdin.readline()
        if not answer or answer.strip().lower() == "q":
            click.echo("\n  [you hang up]")
            return
        keys = answer.strip()[:1]
        if keys and keys not in "0123456789*#":
            click.echo(f"  ['{keys}' is not a phone key]")
            continue
        call.press(keys) if keys else call.silence()
        printed = _follow_transfers(call, office, printed)


def _print_new(events: list[Any], printed: int) -> int:
    from hotline.preview import format_event

    for event in events[printed:]:
        line = format_event(event)
        if line is not None:
            click.echo(line)
    return len(events)


@preview.command("text")
@content_options
@click.option("--lang", help="Text this language's name first, such as PT.")
@click.option(
    "--channel",
    type=click.Choice(["sms", "whatsapp"]),
    default="sms",
    show_default=True,
    help="Read the conversation as SMS or as WhatsApp shows it.",
)
@click.argument("texts", nargs=-1)
@never_a_traceback
def preview_text(
    menus_dir: Path | None,
    messages_dir: Path | None,
    lang: str | None,
    channel: str,
    texts: tuple[str, ...],
) -> None:
    """Print a text conversation; type texts as you go when none are given."""
    from hotline.preview import format_reply, start_text

    app, token = _preview_app(menus_dir, messages_dir)
    language = _language(app, lang)
    conversation = start_text(app, token, channel)
    bodies = list(texts)
    if language is not None:
        bodies.insert(0, _language_word(app, language.code))

    def send(body: str) -> None:
        click.echo(f"> {body}")
        for line in format_reply(conversation.send(body), channel):
            click.echo(line)

    for body in bodies:
        send(body)
    if texts:
        return
    stdin = sys.stdin
    while True:
        click.echo("Text (empty line to stop): ", nl=False)
        body = stdin.readline().rstrip("\n")
        if not body.strip():
            click.echo("")
            return
        send(body)


def _language_word(app: Any, code: str) -> str:
    """The first word that switches a text conversation to `code`, such as PT."""
    translation = services_of(app).store.content.translations[code]
    listed = translation.sms.words.get("language")
    if not listed:
        raise click.BadParameter(f"{code} has no sms words for its language", param_hint="--lang")
    return str(listed[0])


main.add_command(stats)
