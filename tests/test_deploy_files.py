"""The Dockerfile, compose.yaml and the systemd unit: what can be checked without building them.

No container engine runs where these tests run, so the Dockerfile is linted here: every file it
copies exists, it runs as a user that is not root, it checks /healthz, and it serves with the
Procfile's own web command, so the two deployments cannot drift apart.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
    "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}  # fmt: skip


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) per instruction, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    logical = re.sub(r"\\\n", " ", text)
    steps = []
    for line in logical.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            steps.append((word.upper(), rest.strip()))
    return steps


def procfile_web() -> list[str]:
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("web:"):
            return shlex.split(line.removeprefix("web:"))
    raise AssertionError("the Procfile has no web: line")


def test_every_instruction_is_known_and_the_base_is_a_slim_python() -> None:
    steps = dockerfile()
    assert all(word in INSTRUCTIONS for word, _ in steps), steps
    assert re.fullmatch(r"python:3\.1[1-9]-slim-\w+", steps[0][1]), steps[0]


def test_every_file_the_image_copies_exists() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for word, arguments in dockerfile():
        if word == "COPY":
            *sources, _target = arguments.split()
            for source in sources:
                assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is missing"
                assert source.rstrip("/") not in ignored, f".dockerignore hides {source}"


def test_the_image_installs_the_lock_and_checks_the_content() -> None:
    runs = [arguments for word, arguments in dockerfile() if word == "RUN"]
    assert "python -m pip install -r requirements.txt" in runs
    assert "hotline check" in runs


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    users = [arguments for word, arguments in dockerfile() if word == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_the_image_serves_with_the_procfile_command_and_checks_healthz() -> None:
    steps = dict(dockerfile())
    assert json.loads(steps["CMD"]) == procfile_web()
    assert "/healthz" in steps["HEALTHCHECK"]


def test_compose_runs_the_image_with_redis_and_requires_the_secrets() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    line, redis = compose["services"]["hotline"], compose["services"]["redis"]
    assert line["build"] == "."
    assert line["environment"]["HOTLINE_REDIS_URL"] == "redis://redis:6379/0"
    for name in ("TWILIO_AUTH_TOKEN", "HOTLINE_SECRET_KEY", "HOTLINE_PUBLIC_URL"):
        assert ":?" in line["environment"][name], f"{name} should be required, not defaulted"
    assert line["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "redis-cli" in redis["healthcheck"]["test"]
    assert line["logging"]["options"]["mode"] == "non-blocking"


def test_the_systemd_unit_serves_with_the_procfile_command() -> None:
    unit = (ROOT / "deploy" / "hotline.service").read_text(encoding="utf-8")
    (start,) = re.findall(r"^ExecStart=(.+)$", unit, re.M)
    program, *arguments = shlex.split(start)
    assert program == f"/opt/hotline/.venv/bin/{procfile_web()[0]}"
    assert arguments == procfile_web()[1:]
    assert re.search(r"^User=(?!root)\w+", unit, re.M)
    # A restart with a rejected edit on disk serves the kept last good version from here.
    assert "StateDirectory=hotline" in unit
    assert "Environment=HOTLINE_STATE_DIR=/var/lib/hotline" in unit
