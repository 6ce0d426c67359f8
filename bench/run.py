"""Benchmark the hotline against the stack's limit and write bench/RESULTS.md.

    python bench/run.py            # about 8 minutes, with a 60 s soak
    python bench/run.py --quick    # about 2 minutes, for a smoke check
    python bench/run.py --load-only  # seconds: only the time to load and validate content

Starts gunicorn as in the Procfile (gunicorn.conf.py) on loopback: the hotline on the shipped
content, the hotline on a generated 2,000-node tree in 6 languages, the baseline
(bench/baseline_app.py: signature check plus a constant TwiML body of the same size), and the
hotline with Redis (a redis-server of its own) for the capacity with distinct requests. wrk drives
them from its own process with pre-signed requests (bench/wrk.lua.tmpl), app and baseline in
alternating rounds so drift on the machine hits both alike. Needs `wrk` (apt-get install wrk) and
`redis-server`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.generate_tree import write as write_tree  # noqa: E402

AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
PUBLIC_URL = "https://hotline.example.org"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789abcdef"
HOTLINE = "+14135550100"
LUA_TEMPLATE = Path(__file__).with_name("wrk.lua.tmpl")
SATURATION_CONNECTIONS = 16
PACED_CONNECTIONS = 8


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    params: dict[str, str]
    cookie: str = ""


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path
    rss_samples: list[int] = field(default_factory=list)

    def workers(self) -> list[int]:
        return [pid for pid in _pids() if _ppid(pid) == self.process.pid]

    def cpu_seconds(self) -> float:
        """User plus system CPU time of all workers so far (threads included)."""
        return sum(_cpu_ticks(pid) for pid in self.workers()) / os.sysconf("SC_CLK_TCK")

    def rss_kb(self, field_name: str = "VmRSS") -> list[int]:
        return [_status_kb(pid, field_name) for pid in self.workers()]


# Requests ---------------------------------------------------------------------------------------


def call_params(n: int, **extra: str) -> dict[str, str]:
    caller = f"+1413555{n % 10000:04d}"
    return {
        "CallSid": f"CA{n:032d}",
        "AccountSid": "AC" + "a" * 32,
        "From": caller,
        "To": HOTLINE,
        "Caller": caller,
        "Called": HOTLINE,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        **extra,
    }


def sms_params(n: int, body: str) -> dict[str, str]:
    return {
        "MessageSid": f"SM{n:032d}",
        "AccountSid": "AC" + "a" * 32,
        "From": f"+1413555{n % 10000:04d}",
        "To": HOTLINE,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }


def sign(path: str, params: dict[str, str]) -> str:
    from twilio.request_validator import RequestValidator

    return RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, params)


def sms_cookie(env: dict[str, str], texts: list[str]) -> str:
    """The conversation cookie after `texts`, taken from the app itself (as Twilio keeps it)."""
    from hotline import create_app

    client = create_app(env).test_client()
    cookie = ""
    for n, body in enumerate(texts):
        params = sms_params(n, body)
        headers = {"X-Twilio-Signature": sign("/sms", params)}
        if cookie:
            headers["Cookie"] = cookie
        response = client.post("/sms", data=params, headers=headers)
        assert response.status_code == 200, response.status_code
        for header in response.headers.getlist("Set-Cookie"):
            cookie = header.split(";", 1)[0]
    return cookie


def variants(scenario: Scenario, count: int = 32) -> list[tuple[str, str, str, str]]:
    """Distinct signed requests for one scenario: (path, body, signature, cookie).

    Each from its own caller: from one number, the 11th call would be refused as busy and the
    21st text left unanswered (the per-caller limits), and those short answers would be measured.
    """
    return distinct(scenario, 0, count)


def distinct(scenario: Scenario, start: int, count: int) -> list[tuple[str, str, str, str]]:
    """`count` requests never sent before, as Twilio sends them: a new Call or Message SID each,
    from a caller of its own (a valid North American number, never the same twice)."""
    result = []
    for n in range(start, start + count):
        params = dict(scenario.params)
        for sid in ("CallSid", "MessageSid"):
            if sid in params:
                params[sid] = params[sid][:2] + f"{n:032d}"
        for number in ("From", "Caller"):
            if number in params:
                params[number] = f"+1413{2_000_000 + n % 8_000_000:07d}"
        result.append(
            (scenario.path, urlencode(params), sign(scenario.path, params), scenario.cookie)
        )
    return result


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(requests: list[tuple[str, str, str, str]], delay_ms: float, out: Path) -> Path:
    rows = ",\n".join("  {" + ", ".join(lua_string(part) for part in row) + "}" for row in requests)
    text = LUA_TEMPLATE.read_text(encoding="utf-8")
    text = text.replace("{{REQUESTS}}", rows).replace("{{DELAY_MS}}", f"{delay_ms:.3f}")
    out.write_text(text.replace("{{HOST}}", PUBLIC_URL.split("//", 1)[1]), encoding="utf-8")
    return out


# Servers ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A redis-server of its own on a free loopback port, keeping nothing on disk; its URL."""
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(workdir)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def gunicorn(name: str, app: str, env: dict[str, str], workdir: Path) -> Iterator[Server]:
    port = free_port()
    log = workdir / f"{name}.log"
    full_env = {**os.environ, **env, "PORT": str(port)}
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null", app]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO_ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(name, port, process, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_until_up(server: Server) -> None:
    """Until a request is answered: gunicorn listens before its workers have loaded the app."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} did not start; see {server.log}")
        if _answers(server.port, "/healthz") or _answers(server.port, "/anything"):
            time.sleep(1.0)  # the other workers load meanwhile
            return
        time.sleep(0.1)
    raise SystemExit(f"{server.name} did not start in 60 s; see {server.log}")


def _answers(port: int, path: str) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status < 500
    except (OSError, http.client.HTTPException):
        return False


def worker_class(server: Server) -> str:
    for line in server.log.read_text(errors="replace").splitlines():
        if "Using worker:" in line:
            return line.rsplit(":", 1)[1].strip()
    return "?"


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _ppid(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    return int(stat.rsplit(")", 1)[1].split()[1])


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def check(server: Server, scenario: Scenario, request: tuple | None = None) -> int:
    """Send one request as wrk will and check it is a signed-in 200 with TwiML; return its size."""
    path, body, signature, cookie = request or variants(scenario, 1)[0]
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }
    if cookie:
        headers["Cookie"] = cookie
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    if response.status != 200 or ET.fromstring(data).tag != "Response":
        raise SystemExit(f"{server.name} {scenario.name}: HTTP {response.status}: {data[:200]!r}")
    return len(data)


# Measuring --------------------------------------------------------------------------------------


def wrk(server: Server, script: Path, connections: int, seconds: float) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "-s", str(script)]
    cpu_before = server.cpu_seconds()
    done = subprocess.run(
        [*command, f"http://127.0.0.1:{server.port}"], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed on {server.name}: {done.stderr or done.stdout}")
    output = done.stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    result = json.loads(line[len("BENCH ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["cpu_us"] = (server.cpu_seconds() - cpu_before) * 1e6 / max(1, result["requests"])
    server.rss_samples.extend(server.rss_kb())
    return result


def saturate(servers: list[Server], scripts: dict[str, Path], rounds: int, seconds: float):
    """Alternate servers for `rounds` rounds at full load; the median round of each."""
    runs = saturate_rounds(servers, scripts, rounds, seconds)
    return {name: _median_run(results) for name, results in runs.items()}


def saturate_rounds(
    servers: list[Server], scripts: dict[str, Path], rounds: int, seconds: float
) -> dict[str, list[dict]]:
    """Every round of each server, in order: round i of one ran right after round i of the other."""
    runs: dict[str, list[dict]] = {s.name: [] for s in servers}
    for _ in range(rounds):
        for server in servers:
            runs[server.name].append(
                wrk(server, scripts[server.name], SATURATION_CONNECTIONS, seconds)
            )
    return runs


def paired_ratio(mine: list[dict], theirs: list[dict], key: str, invert: bool = False) -> float:
    """The median over rounds of mine/theirs, each pair measured back to back.

    On a shared machine a neighbour's burst can last a minute and slow every round of one server;
    a pair run back to back mostly sees the same machine, and the median drops pairs it split.
    """
    ratios = [
        (b[key] / a[key]) if invert else (a[key] / b[key])
        for a, b in zip(mine, theirs, strict=True)
    ]
    return statistics.median(ratios)


def paced(server: Server, requests: list, rate: float, seconds: float, workdir: Path) -> dict:
    """Latency at a steady `rate` (requests/s), with random (Poisson-like) gaps per connection."""
    delay_ms = max(0.0, PACED_CONNECTIONS / rate * 1000 - 1.0)
    script = lua_script(requests, delay_ms, workdir / f"paced-{server.name}.lua")
    return wrk(server, script, PACED_CONNECTIONS, seconds)


def _median_run(results: list[dict]) -> dict:
    ordered = sorted(results, key=lambda r: r["rps"])
    best = dict(ordered[len(ordered) // 2])
    best["cpu_us"] = statistics.median(r["cpu_us"] for r in results)
    best["errors"] = sum(r["errors"] + r["status_errors"] for r in results)
    return best


def content_load_lines(loads: dict[str, float]) -> list[str]:
    big = loads["big"]
    return [
        "## Content load",
        "",
        "What the server does at start and on every edit: load, validate and index "
        "(ContentStore.load), median of 5, in one process. The advice (caller time, text "
        "segments, reading grade: checks that only warn and render every document) is not part "
        "of it; `hotline check` and the console run it, and its time is given beside.",
        "",
        f"- shipped tree: {loads['shipped'] * 1000:.0f} ms "
        f"(with the advice, as `hotline check`: {loads['shipped check'] * 1000:.0f} ms)",
        f"- generated 2,000-node tree in 6 languages: {big * 1000:.0f} ms "
        f"(target < 1000 ms: {'met' if big < 1 else 'NOT met'}; with the advice: "
        f"{loads['big check'] * 1000:.0f} ms)",
        "",
    ]


def time_loads(content: Path, big: Path) -> dict[str, float]:
    return {
        "shipped": time_load(content / "menus", content / "messages"),
        "big": time_load(big / "menus", big / "messages"),
        "shipped check": time_load(content / "menus", content / "messages", check=True),
        "big check": time_load(big / "menus", big / "messages", repeat=1, check=True),
    }


def content_load_only(content: Path) -> int:
    """Time loading the shipped and a generated 2,000-node tree; print, write nothing."""
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as workdir:
        big = Path(workdir) / "big"
        write_tree(big, 2000, 6)
        loads = time_loads(content, big)
    print("\n".join(content_load_lines(loads)))
    return 0


def time_load(menus: Path, messages: Path, repeat: int = 5, check: bool = False) -> float:
    """Median seconds of the server's load, or with `check` of `hotline check`'s."""
    from hotline.content.load import load_content
    from hotline.content.store import ContentStore

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        if check:
            load_content(menus, messages)
        else:
            ContentStore.load(menus, messages)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# Report -----------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    import gunicorn as g

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpus": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "gunicorn": g.__version__,
        "wrk": wrk_version[1] if len(wrk_version) > 1 else "?",
        "os": platform.platform(),
    }


def _command(rounds: int, seconds: float) -> str:
    """The command line that makes a report like this one."""
    quick = seconds < 6
    command = "python bench/run.py" + (" --quick" if quick else "")
    return command + ("" if rounds == (1 if quick else 3) else f" --rounds {rounds}")


def ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Short rounds and soak.")
    parser.add_argument("--soak", type=float, help="Soak seconds (60; 15 with --quick).")
    parser.add_argument(
        "--rounds",
        type=int,
        help="Alternating rounds at saturation (3; 1 with --quick). More rounds ride out a "
        "neighbour's burst on a shared machine: the median round is reported.",
    )
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    parser.add_argument(
        "--content", type=Path, default=REPO_ROOT, help="Folder with menus/ and messages/."
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="Only time loading the content (no wrk, no gunicorn); print, write nothing.",
    )
    args = parser.parse_args(argv)
    if args.load_only:
        return content_load_only(args.content.resolve())
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk (or brew install wrk)", file=sys.stderr)
        return 2
    rounds, seconds = (1, 3.0) if args.quick else (3, 6.0)
    rounds = args.rounds or rounds
    soak = args.soak or (15.0 if args.quick else 60.0)
    workdir = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    try:
        report = run(workdir, args.content.resolve(), rounds, seconds, soak)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    previous = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
    report += kept_sections(previous)
    args.output.write_text(report, encoding="utf-8")
    print(report)
    print(f"written to {args.output}")
    return 0


def kept_sections(previous: str) -> str:
    """The sections other scripts (or people) wrote into the report, between their own markers.

    `<!-- name: start -->` ... `<!-- name: end -->` (bench/redis_latency.py writes one): kept as
    they are, after the figures this run measured.
    """
    kept = []
    for match in re.finditer(r"<!-- ([\w-]+): start -->.*?<!-- \1: end -->\n?", previous, re.S):
        kept.append(match.group(0).rstrip("\n") + "\n")
    return "".join("\n" + section for section in kept)


def app_env(content: Path) -> dict[str, str]:
    return {
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "HOTLINE_SECRET_KEY": SECRET_KEY,
        "HOTLINE_DEV": "",
        "HOTLINE_MENUS_DIR": str(content / "menus"),
        "HOTLINE_MESSAGES_DIR": str(content / "messages"),
    }


# What the line promises (issue 14): a floor against the bare Flask baseline, not a race.
FLOOR = 0.6
PACED_RATE = 200.0
P99_TARGET_MS = 20.0
# Distinct requests per wrk run of the capacity test: more than a run can send, so none repeats.
DISTINCT_POOL = 30_000
COLD_STARTS = 3


def run(workdir: Path, content: Path, rounds: int, seconds: float, soak: float) -> str:
    big = workdir / "big"
    write_tree(big, 2000, 6)
    shipped_env, big_env = app_env(content), app_env(big)
    loads = time_loads(content, big)

    scenarios = {
        "voice greeting": Scenario("voice greeting", "/voice", call_params(1)),
        "key press, depth 3": Scenario(
            "key press, depth 3",
            "/voice/key/en/main/police?try=1",
            call_params(1, Digits="1"),
        ),
        "sms menu choice": Scenario(
            "sms menu choice", "/sms", sms_params(1, "1"), sms_cookie(shipped_env, ["EN"])
        ),
    }
    big_scenarios = {
        "voice greeting": scenarios["voice greeting"],
        "key press, depth 4": Scenario(
            "key press, depth 4",
            "/voice/key/en/main/n1/n9/n73?try=1",
            call_params(1, Digits="1"),
        ),
        "sms menu choice": Scenario(
            "sms menu choice", "/sms", sms_params(1, "1"), sms_cookie(big_env, ["EN"])
        ),
    }
    lines = ["# Benchmark results", ""]
    info = machine()
    lines += [f"- {key}: {value}" for key, value in info.items()]
    cold = _cold_start(shipped_env, big_env, scenarios["voice greeting"], workdir)

    with (
        gunicorn("hotline", "hotline:create_app()", shipped_env, workdir) as app,
        gunicorn("hotline-2000", "hotline:create_app()", big_env, workdir) as big_app,
    ):
        lines += [
            f"- gunicorn.conf.py as shipped: {len(app.workers())} `{worker_class(app)}` workers; "
            f"wrk: 1 thread, {SATURATION_CONNECTIONS} connections at saturation, "
            f"{PACED_CONNECTIONS} paced; {rounds} alternating round(s) of {seconds:g} s, median "
            "round reported; ratios are the median of each round's ratio to the baseline round "
            "run right after it.",
            f"- Command: `{_command(rounds, seconds)}`",
            f"- Load average at the start (other work on the machine): {_loadavg()}",
            "",
        ]
        sizes = {name: check(app, s) for name, s in scenarios.items()}
        for s in big_scenarios.values():
            check(big_app, s)

        def baseline(body_bytes: int) -> AbstractContextManager[Server]:
            env = {**shipped_env, "BENCH_BODY_BYTES": str(body_bytes)}
            return gunicorn("baseline", "bench.baseline_app:create_app()", env, workdir)

        throughput_lines, saturation = _throughput(
            app, baseline, big_app, scenarios, big_scenarios, sizes, workdir, rounds, seconds
        )
        lines += throughput_lines
    lines += _capacity(shipped_env, scenarios, saturation, workdir, rounds, seconds)
    lines += cold
    lines += content_load_lines(loads)
    with gunicorn("hotline", "hotline:create_app()", shipped_env, workdir) as app:
        lines += _soak(app, scenarios, soak, workdir)
    return "\n".join(lines) + "\n"


def _throughput(app, baseline, big_app, scenarios, big_scenarios, sizes, workdir, rounds, seconds):
    lines = [
        "## Throughput against the baseline (saturation, 32 requests replayed, no Redis)",
        "",
        f"| request | body bytes | hotline req/s | baseline req/s | ratio (floor {FLOOR}) "
        "| server CPU us/request, hotline / baseline | CPU ratio "
        "| hotline p50 / p99 ms | baseline p50 / p99 ms | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    paced_rows, saturation = [], {}
    for name, scenario in scenarios.items():
        requests = variants(scenario)
        script = lua_script(requests, 0, workdir / f"sat-{len(saturation)}.lua")
        # A baseline of its own per request, answering with a body exactly as long as ours.
        with baseline(sizes[name]) as base_server:
            runs = saturate_rounds(
                [app, base_server], {"hotline": script, "baseline": script}, rounds, seconds
            )
        mine, base = _median_run(runs["hotline"]), _median_run(runs["baseline"])
        saturation[name] = mine
        ratio = paired_ratio(runs["hotline"], runs["baseline"], "rps")
        cpu_ratio = paired_ratio(runs["hotline"], runs["baseline"], "cpu_us", invert=True)
        lines.append(
            f"| {name} | {sizes[name]} | {mine['rps']:.0f} | {base['rps']:.0f} | "
            f"**{ratio:.2f}** | {mine['cpu_us']:.0f} / {base['cpu_us']:.0f} | "
            f"**{cpu_ratio:.2f}** | {ms(mine['p50'])} / {ms(mine['p99'])} | "
            f"{ms(base['p50'])} / {ms(base['p99'])} | {mine['errors'] + base['errors']} |"
        )
        at_rate = paced(app, requests, PACED_RATE, seconds * 1.5, workdir)
        met = "met" if at_rate["p99"] / 1000 < P99_TARGET_MS else "NOT met"
        paced_rows.append(
            f"| {name} | {at_rate['rps']:.0f} | {ms(at_rate['p50'])} | "
            f"**{ms(at_rate['p99'])}** ({met}) | {ms(at_rate['max'])} | "
            f"{at_rate['errors'] + at_rate['status_errors']} |"
        )
    lines += [
        "",
        f"## Latency at {PACED_RATE:g} requests/s",
        "",
        f"| request | achieved req/s | p50 ms | p99 ms (target < {P99_TARGET_MS:g}) | max ms "
        "| errors |",
        "|---|---|---|---|---|---|",
        *paced_rows,
        "",
        "## Scale: the same requests on a generated 2,000-node tree in 6 languages",
        "",
        "| request | shipped tree req/s | 2,000-node tree req/s | ratio "
        "| 2,000-node p50 / p99 ms |",
        "|---|---|---|---|---|",
    ]
    shipped_names = list(scenarios)
    for index, (name, scenario) in enumerate(big_scenarios.items()):
        script = lua_script(variants(scenario), 0, workdir / f"big-{index}.lua")
        mine = saturate([big_app], {"hotline-2000": script}, rounds, seconds)["hotline-2000"]
        ref = saturation[shipped_names[index]]
        lines.append(
            f"| {name} (shipped: {shipped_names[index]}) | {ref['rps']:.0f} | {mine['rps']:.0f} | "
            f"{mine['rps'] / ref['rps']:.2f} | {ms(mine['p50'])} / {ms(mine['p99'])} |"
        )
    lines.append("")
    return lines, saturation


def _capacity(shipped_env, scenarios, replayed, workdir, rounds, seconds) -> list[str]:
    """Saturation with requests as production sends them: every one new, Redis on."""
    # Per-caller limits stay on (every caller is new); the line-wide text ceiling is put out of
    # reach, or the thousands of texters here would be left unanswered after the first 1,000.
    lines = [
        "## Capacity as production sees it: distinct requests, Redis on",
        "",
        "Every request has a new Call or Message SID and a caller of its own, as Twilio sends "
        "them, so the replay claim, the limits and the usage counts do their real work in a "
        "redis-server of the bench's own (loopback, no persistence). The replayed figure is the "
        "table above: 32 requests over and over, no Redis.",
        "",
        "| request | distinct, Redis req/s | p50 / p99 ms | server CPU us/request "
        "| replayed, no Redis req/s | errors | repeats |",
        "|---|---|---|---|---|---|---|",
    ]
    with redis_server(workdir) as redis_url:
        env = {
            **shipped_env,
            "HOTLINE_REDIS_URL": redis_url,
            "HOTLINE_SMS_GLOBAL_LIMIT": "100000000/hour",
        }
        with gunicorn("hotline-redis", "hotline:create_app()", env, workdir) as server:
            start = 10_000_000
            for index, (name, scenario) in enumerate(scenarios.items()):
                check(server, scenario, distinct(scenario, start, 1)[0])
                start += 1
                results = []
                for round_ in range(rounds):
                    pool = distinct(scenario, start, DISTINCT_POOL)
                    start += DISTINCT_POOL
                    script = lua_script(pool, 0, workdir / f"distinct-{index}-{round_}.lua")
                    results.append(wrk(server, script, SATURATION_CONNECTIONS, seconds))
                mine = _median_run(results)
                repeats = sum(max(0, r["requests"] - DISTINCT_POOL) for r in results)
                lines.append(
                    f"| {name} | **{mine['rps']:.0f}** | {ms(mine['p50'])} / {ms(mine['p99'])} | "
                    f"{mine['cpu_us']:.0f} | {replayed[name]['rps']:.0f} | {mine['errors']} | "
                    f"{repeats} |"
                )
    lines.append("")
    return lines


def _cold_start(shipped_env, big_env, greeting: Scenario, workdir: Path) -> list[str]:
    """Seconds from starting gunicorn to the first answered webhook (a signed greeting)."""
    lines = [
        "## Cold start",
        "",
        "Seconds from starting gunicorn (as the Procfile does) to the first signed greeting "
        f"answered with TwiML, median of {COLD_STARTS} starts; a sleeping dyno woken by a call "
        "has Twilio's 15 seconds.",
        "",
        "| content | cold start s (each start) |",
        "|---|---|",
    ]
    request = variants(greeting, 1)[0]
    for label, env in (("shipped tree", shipped_env), ("2,000-node tree, 6 languages", big_env)):
        times = [_one_cold_start(env, request, workdir) for _ in range(COLD_STARTS)]
        each = ", ".join(f"{t:.2f}" for t in times)
        lines.append(f"| {label} | **{statistics.median(times):.2f}** ({each}) |")
    lines.append("")
    return lines


def _one_cold_start(env: dict[str, str], request: tuple, workdir: Path) -> float:
    port = free_port()
    log = workdir / "cold.log"
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    path, body, signature, _ = request
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    with log.open("wb") as out:
        started = time.monotonic()
        process = subprocess.Popen(
            [*command, "hotline:create_app()"],
            cwd=REPO_ROOT,
            env={**os.environ, **env, "PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        while time.monotonic() - started < 60:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn did not start; see {log}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                connection.close()
                if response.status == 200 and ET.fromstring(data).tag == "Response":
                    return time.monotonic() - started
            except OSError:
                time.sleep(0.01)
        raise SystemExit("no answer within 60 s of starting gunicorn")
    finally:
        process.terminate()
        process.wait(timeout=20)


def _soak(app: Server, scenarios: dict[str, Scenario], seconds: float, workdir: Path) -> list[str]:
    """A long mixed run at a steady rate, sampling each worker's memory as it goes."""
    mixed = [row for s in scenarios.values() for row in variants(s, 16)]
    rate = PACED_RATE
    slices = max(1, int(seconds // 5))
    samples, errors, requests, p99s = [], 0, 0, []
    samples.append(app.rss_kb())
    for _ in range(slices):
        result = paced(app, mixed, rate, seconds / slices, workdir)
        samples.append(app.rss_kb())
        errors += result["errors"] + result["status_errors"]
        requests += result["requests"]
        p99s.append(result["p99"])
    peaks = app.rss_kb("VmHWM")
    after_warmup = samples[1]
    growth = [b - a for a, b in zip(after_warmup, samples[-1], strict=False)]
    return [
        "## Soak and memory",
        "",
        f"A {seconds:g} s run mixing all three requests at about {rate:g} req/s "
        f"({requests} requests, {errors} errors), sampled every {seconds / slices:g} s.",
        "",
        f"- RSS per worker before the soak (MB): {_mb(samples[0])}",
        f"- RSS per worker after the first slice (MB): {_mb(after_warmup)}",
        f"- RSS per worker at the end (MB): {_mb(samples[-1])}",
        f"- growth from the first slice to the end (MB): {_mb(growth)}",
        f"- peak RSS per worker, whole run (VmHWM, MB): {_mb(peaks)}",
        f"- p99 per slice (ms): {', '.join(ms(p) for p in p99s)}",
        "",
    ]


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _mb(values: list[int]) -> str:
    return ", ".join(f"{v / 1024:.1f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
