"""The `hotline` command: run the line locally and check content. Commands stay thin."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hotline.config import REPO_ROOT, ConfigError, environment
from hotline.content.load import load_content
from hotline.content.store import ContentError


@click.group()
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
    if dev:
        click.secho(
            "WARNING: dev mode. Requests are not checked for Twilio's signature unless "
            "TWILIO_AUTH_TOKEN is set. Do not expose this server to the internet.",
            fg="red",
            bold=True,
            err=True,
        )
    try:
        app = create_app(overrides)
    except (ConfigError, ContentError) as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    app.run(host=host, port=port)


@main.command()
@click.option("--menus", "menus_dir", type=click.Path(path_type=Path), help="Menus folder.")
@click.option(
    "--messages", "messages_dir", type=click.Path(path_type=Path), help="Messages folder."
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check(menus_dir: Path | None, messages_dir: Path | None, strict: bool) -> None:
    """Check menus and messages; list every problem with its file and line."""
    env = environment()
    menus_dir = menus_dir or Path(env.get("HOTLINE_MENUS_DIR") or REPO_ROOT / "menus")
    messages_dir = messages_dir or Path(env.get("HOTLINE_MESSAGES_DIR") or REPO_ROOT / "messages")
    result = load_content(menus_dir, messages_dir, base=Path.cwd())
    problems = result.problems
    for problem in problems.sorted():
        click.echo(problem.format())
    errors, warnings = len(problems.errors), len(problems.warnings)
    click.echo(f"{errors} error(s), {warnings} warning(s).")
    sys.exit(1 if errors or (strict and warnings) else 0)
