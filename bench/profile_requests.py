"""Time and profile the webhooks in one process, without a server or a network.

    python bench/profile_requests.py                  # us per request, each route and baseline
    python bench/profile_requests.py --profile        # plus a cProfile breakdown per route
    python bench/profile_requests.py --profile --route sms --top 40

Builds the hotline as gunicorn does (the shipped content, the bench's environment, the content
reloader switched on) and the baseline (bench/baseline_app.py), then sends
pre-signed requests straight to `app.wsgi_app`, thousands of times. Every request is a new one, as
from real callers: its own Call or Message SID and its own number, so the replay and rate-limit
stores do the work they do in production rather than answering from a replay. `--replayed`
sends the same 32 requests over and over instead, as the wrk bench does.

CPU time is time.process_time (best of the rounds), so other work on the machine hardly counts.
It leaves out gunicorn's own work (HTTP parsing, the event loop), which bench/run.py includes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.test import EnvironBuilder

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.run import (  # noqa: E402
    app_env,
    call_params,
    sign,
    sms_cookie,
    sms_params,
)

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def routes(env: dict[str, str]) -> dict[str, tuple[str, Callable[[int], dict[str, str]], str]]:
    """Route name -> (path, params for the n-th request, cookie), as in bench/run.py."""
    return {
        "voice greeting": ("/voice", lambda n: call_params(n), ""),
        "key press, depth 3": (
            "/voice/key/en/main/police?try=1",
            lambda n: call_params(n, Digits="1"),
            "",
        ),
        "sms menu choice": ("/sms", lambda n: sms_params(n, "1"), sms_cookie(env, ["EN"])),
    }


_next_caller = 0


def environs(path: str, params: Callable[[int], dict[str, str]], cookie: str, count: int):
    """`count` signed WSGI environs, each from a caller not seen before in this process."""
    global _next_caller
    result = []
    for n in range(_next_caller, _next_caller + count):
        fields = params(n)
        headers = {"X-Twilio-Signature": sign(path, fields), "Host": "127.0.0.1:8000"}
        if cookie:
            headers["Cookie"] = cookie
        body = urlencode(fields).encode()
        builder = EnvironBuilder(
            path=path.split("?")[0],
            query_string=path.partition("?")[2],
            method="POST",
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )
        result.append((builder.get_environ(), body))
    _next_caller += count
    return result


def send(
    app: Wsgi, requests: list, expected: bytes | None = None, extra: dict[str, Any] | None = None
) -> list[bytes]:
    """Send each request once; check each answer is a 200 with the `expected` body."""
    bodies = []
    status: list[str] = []

    def start_response(s: str, headers: list, exc_info: Any = None):
        status.append(s)
        return lambda data: None

    for environ, body in requests:
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        if extra:
            env.update(extra)
        result = app(env, start_response)
        bodies.append(b"".join(result))
        close = getattr(result, "close", None)
        if close is not None:
            close()
    if any(not s.startswith("200") for s in status):
        raise SystemExit(f"not every answer was a 200: {sorted(set(status))}")
    if expected is not None and any(body != expected for body in bodies):
        wrong = next(body for body in bodies if body != expected)
        raise SystemExit(f"an answer differs from the first one: {wrong[:200]!r}")
    return bodies


def cpu_us(
    app: Wsgi, requests: list, expected: bytes | None, extra: dict[str, Any] | None = None
) -> float:
    """CPU time per request over one pass, in microseconds."""
    started = time.process_time()
    send(app, requests, expected, extra)
    return (time.process_time() - started) * 1e6 / len(requests)


def build(env: dict[str, str]):
    from hotline import create_app

    os.environ.update(env)
    return create_app(env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="Requests per round.")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--replayed", action="store_true", help="Replay 32 requests, as wrk.")
    parser.add_argument("--profile", action="store_true", help="Print a cProfile breakdown.")
    parser.add_argument("--route", help="Only routes whose name contains this.")
    parser.add_argument("--top", type=int, default=25, help="Rows of the profile.")
    parser.add_argument("--callers", help="Also print who calls the functions matching this.")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key (tottime, cumtime).")
    args = parser.parse_args(argv)

    from bench.baseline_app import create_app as baseline_app

    # The line's ceiling on text replies (1,000 an hour) would silence the thousands of texters
    # sent here; a ceiling out of reach still counts every reply against it.
    env = {**app_env(REPO_ROOT), "HOTLINE_SMS_GLOBAL_LIMIT": "100000000/hour"}
    print(f"CPU us per request, best of {args.rounds} x {args.requests} requests")
    for name, (path, params, cookie) in routes(env).items():
        if args.route and args.route not in name:
            continue

        def batch(path=path, params=params, cookie=cookie) -> list:
            if not args.replayed:
                return environs(path, params, cookie, args.requests)
            same = environs(path, params, cookie, 32)
            return (same * (args.requests // 32 + 1))[: args.requests]

        # A fresh app per measurement, so one's stored keys never slow the next one down.
        app = build(env).wsgi_app
        sample = send(app, batch()[:1])[0]
        send(app, batch(), sample)  # warm, as a server is after its first callers
        hotline = min(cpu_us(app, batch(), sample) for _ in range(args.rounds))
        os.environ["BENCH_BODY_BYTES"] = str(len(sample))
        base = baseline_app().wsgi_app
        requests = batch()
        send(base, requests)
        baseline = min(cpu_us(base, requests, None) for _ in range(args.rounds))
        print(
            f"{name:20s} {len(sample):4d} B  hotline {hotline:5.0f}  "
            f"baseline {baseline:5.0f}  ratio {baseline / hotline:.2f}"
        )
        if args.profile:
            requests = batch()
            profiler = cProfile.Profile()
            profiler.enable()
            send(app, requests, sample)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats(args.sort)
            stats.print_stats(args.top)
            if args.callers:
                stats.print_callers(args.callers)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
