"""/healthz tells the whole of it: Redis in use or not, a load running or stuck, this worker's
content version, and whether every worker of the line serves the same one (D8)."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask

from hotline import create_app
from tests.conftest import app_settings
from tests.redis_server import RedisServer, free_port
from tests.test_reload import write
from tests.twilio_sim import Call


def health(app: Flask) -> dict:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    return response.get_json()


def test_without_redis_a_worker_says_it_cannot_know_the_others(app: Flask) -> None:
    status = health(app)
    assert status["status"] == "ok"
    assert status["shared_state"] == {"redis": None, "counts_kept_in": "this process's memory"}
    assert status["workers"]["known"] is False
    assert "no Redis" in status["workers"]["why"]
    assert status["reload"] == {
        "every_seconds": 3.0,
        "loading_since": None,
        "stuck": False,
        "stuck_loads": 0,
    }
    assert status["log_lines_dropped"] == 0


def test_workers_sharing_redis_list_each_others_versions_and_disagreement(
    content_copy: Path, tmp_path: Path, redis_url: str
) -> None:
    other_copy = tmp_path / "other"
    shutil.copytree(content_copy, other_copy)
    first = create_app(app_settings(content_copy, HOTLINE_REDIS_URL=redis_url))
    second = create_app(app_settings(other_copy, HOTLINE_REDIS_URL=redis_url))

    status = health(first)
    health(second)
    status = health(first)
    assert status["shared_state"] == {"redis": "answers", "counts_kept_in": "redis"}
    workers = status["workers"]
    assert workers["known"] is True
    assert len(workers["versions"]) == 2
    assert set(workers["versions"].values()) == {status["content_version"]}
    assert workers["agree"] is True
    assert status["status"] == "ok"

    # The second worker takes up an edit the first has not seen (its own copy of the content).
    en = other_copy / "messages" / "en.yaml"
    write(en, en.read_text(encoding="utf-8").replace("hang up and dial", "hang up now and dial"))
    edited = create_app(app_settings(other_copy, HOTLINE_REDIS_URL=redis_url))
    health(edited)
    status = health(first)
    assert status["workers"]["agree"] is False
    assert len(set(status["workers"]["versions"].values())) == 2
    assert status["status"] == "degraded"


def test_a_redis_that_does_not_answer_is_reported(content_copy: Path) -> None:
    nobody = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(app_settings(content_copy, HOTLINE_REDIS_URL=nobody))
    Call(app.test_client()).start()  # a call's limits and counts find Redis away
    status = health(app)
    assert status["status"] == "degraded"
    assert status["shared_state"] == {
        "redis": "not answering",
        "counts_kept_in": "this process's memory",
    }
    assert status["workers"] == {"known": False, "why": "Redis is not answering"}


def test_a_redis_that_stops_and_comes_back_is_reported(
    content_copy: Path, own_redis: RedisServer
) -> None:
    app = create_app(app_settings(content_copy, HOTLINE_REDIS_URL=own_redis.url))
    assert health(app)["shared_state"]["redis"] == "answers"
    own_redis.stop()
    assert health(app)["shared_state"]["redis"] == "not answering"
    own_redis.start()
    status = health(app)
    assert (status["status"], status["shared_state"]["redis"]) == ("ok", "answers")
