"""`hotline stats`: the anonymous usage counts as a table, from Redis or a running line."""

from __future__ import annotations

import datetime
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable

import click
import redis

from hotline.config import ConfigError
from hotline.limits import AbuseSettings, RedisBackend
from hotline.limits.backends import redis_location
from hotline.metrics import Count, Metrics, prometheus
from hotline.settings import environment

HEADINGS = ("Day", "Channel", "Language", "Item", "Count")
IN_MEMORY = (
    "HOTLINE_REDIS_URL is not set, so each running process keeps its own counts in memory, and "
    "this command cannot see them. Set HOTLINE_REDIS_URL to the line's Redis, or read a running "
    "line with: hotline stats --url https://<your line>/metrics (with HOTLINE_METRICS_TOKEN set)."
)


def table(counts: Iterable[Count]) -> list[str]:
    """Aligned rows under a heading, with a total; one line saying so when there are none."""
    rows = [(c.day, c.channel, c.language, c.item, str(c.value)) for c in counts]
    if not rows:
        return ["No usage has been counted yet."]
    total = sum(int(row[-1]) for row in rows)
    rows = [HEADINGS, *rows, ("Total", "", "", "", str(total))]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADINGS))]

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        return "  ".join([*cells, row[-1].rjust(widths[-1])])

    separator = "  ".join("-" * width for width in widths)
    return [line(rows[0]), separator, *map(line, rows[1:-1]), separator, line(rows[-1])]


def is_a_date(text: str) -> bool:
    """Whether `text` is a calendar day written as the counts write it (2026-02-14)."""
    try:
        return datetime.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def from_redis(url: str) -> list[Count]:
    backend = RedisBackend(url)
    try:
        return Metrics(backend).counts()
    finally:
        backend.client.close()


def from_line(url: str, token: str) -> list[Count]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return prometheus.parse(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        # The error holds the open response; close it before reporting.
        error.close()
        raise


@click.command()
@click.option("--url", help="Read a running line's /metrics instead of Redis.")
@click.option("--day", help="Only this day, such as 2026-02-14.")
def stats(url: str | None, day: str | None) -> None:
    """Print the anonymous usage counts: per day, channel, language and menu item."""
    if day is not None and not is_a_date(day):
        click.echo(
            f"--day {day!r} is not a date. Give it as year-month-day, such as --day 2026-02-14.",
            err=True,
        )
        sys.exit(2)
    env = environment()
    try:
        settings = AbuseSettings.from_env(env)
    except ConfigError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    try:
        if url:
            if settings.metrics_token is None:
                click.echo("Set HOTLINE_METRICS_TOKEN to the line's metrics token.", err=True)
                sys.exit(1)
            counts = from_line(url, settings.metrics_token)
        elif settings.redis_url:
            counts = from_redis(settings.redis_url)
        else:
            click.echo(IN_MEMORY, err=True)
            sys.exit(1)
    except redis.RedisError as error:
        click.echo(
            f"Could not read Redis at {redis_location(settings.redis_url or '')} "
            f"({type(error).__name__}). Check HOTLINE_REDIS_URL and that Redis is running.",
            err=True,
        )
        sys.exit(1)
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", None) or type(error).__name__
        click.echo(f"Could not read {url}: {reason}. Check the address and the token.", err=True)
        sys.exit(1)
    for row in table(c for c in counts if day is None or c.day == day):
        click.echo(row)
