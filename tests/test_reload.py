"""Live reload: good edits are served, broken or half-written ones never are."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hotline import create_app
from hotline.config import ConfigError
from hotline.content.load import LoadResult, load_to_serve
from hotline.content.reload import Reloader, reload_interval
from hotline.content.store import ContentStore
from tests.conftest import app_settings
from tests.twilio_sim import Call

NEW_EMERGENCY = "In an emergency, hang up now and dial {emergency}."


def write(path: Path, text: str) -> None:
    """Write like an editor does, and make sure the change is visible in the file's signature."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


def greeting_text(app: Flask) -> str:
    return Call(app.test_client()).start().text


def health(app: Flask) -> dict:
    return app.test_client().get("/healthz").get_json()


@pytest.fixture
def live_app(content_copy: Path) -> Flask:
    return create_app(app_settings(content_copy, HOTLINE_RELOAD_SECONDS="0"))


def test_a_good_edit_is_served_without_a_restart(live_app: Flask, content_copy: Path) -> None:
    en = content_copy / "messages" / "en.yaml"
    old_version = health(live_app)["content_version"]
    write(
        en,
        en.read_text(encoding="utf-8").replace(
            "If this is an emergency, hang up and dial {emergency}.", NEW_EMERGENCY
        ),
    )

    assert "In an emergency, hang up now and dial 9 1 1." in greeting_text(live_app)
    status = health(live_app)
    assert status["content_version"] != old_version
    assert status["rejected_edit"] is None


def test_a_broken_edit_keeps_the_last_good_version(
    live_app: Flask, content_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tree = content_copy / "menus" / "tree.yaml"
    good_version = health(live_app)["content_version"]
    caplog.set_level(logging.INFO, logger="hotline.content.reload")
    write(tree, tree.read_text(encoding="utf-8").replace("2: services", "2: servces"))

    assert "If this is an emergency, hang up and dial 9 1 1." in greeting_text(live_app)
    status = health(live_app)
    assert status["content_version"] == good_version
    assert status["rejected_edit"]["errors"] == 1
    assert status["rejected_edit"]["version"] != good_version
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "menus/tree.yaml:5: option 2 of menu 'main' points to 'servces'" in logged
    assert "did you mean" not in logged  # hints stay out of the server log


def test_a_half_written_file_is_never_served(live_app: Flask, content_copy: Path) -> None:
    en = content_copy / "messages" / "en.yaml"
    full = en.read_text(encoding="utf-8")
    good_version = health(live_app)["content_version"]

    write(en, full[: len(full) // 2])
    assert "If this is an emergency, hang up and dial 9 1 1." in greeting_text(live_app)
    status = health(live_app)
    assert status["content_version"] == good_version
    assert status["rejected_edit"]["errors"] >= 1

    write(en, full.replace("If this is an emergency, hang up and dial {emergency}.", NEW_EMERGENCY))
    assert "In an emergency, hang up now and dial 9 1 1." in greeting_text(live_app)
    status = health(live_app)
    assert status["content_version"] != good_version
    assert status["rejected_edit"] is None


def test_reverting_a_broken_edit_clears_the_rejection(live_app: Flask, content_copy: Path) -> None:
    settings = content_copy / "menus" / "settings.yaml"
    good = settings.read_text(encoding="utf-8")
    good_version = health(live_app)["content_version"]
    write(settings, good.replace('phone: "+14135871249"', 'phone: "413 587 1249"'))
    assert health(live_app)["rejected_edit"]["errors"] == 1
    write(settings, good)
    status = health(live_app)
    assert (status["status"], status["content_version"]) == ("ok", good_version)
    assert status["rejected_edit"] is None


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_looks_at_most_once_per_interval_and_waits_for_files_to_settle(
    content_copy: Path,
) -> None:
    store = ContentStore.load(content_copy / "menus", content_copy / "messages")
    en = content_copy / "messages" / "en.yaml"
    clock = Clock(1000.0)
    reloader = Reloader(store, 5, clock=clock, wall_clock=clock)
    good_version = store.content.version
    text = en.read_text(encoding="utf-8").replace(
        "If this is an emergency, hang up and dial {emergency}.", NEW_EMERGENCY
    )
    en.write_text(text, encoding="utf-8")
    saved_at = time.time() + 1000  # later than any other content file was saved
    os.utime(en, (saved_at, saved_at))

    clock.now = saved_at + 0.5  # the interval has passed, but the file was saved just now
    reloader.maybe_reload()
    assert reloader.wait(10)
    assert store.content.version == good_version

    clock.now = saved_at + 3  # settled: it is read on the next look
    reloader.maybe_reload()
    assert reloader.wait(10)
    assert store.content.version != good_version
    assert store.content.translations["en"].prompts["emergency"] == NEW_EMERGENCY

    en.write_text(text.replace("hang up now", "hang up"), encoding="utf-8")
    os.utime(en, (saved_at, saved_at))  # same time, other size: still a change
    clock.now = saved_at + 4  # within the interval of the last look: not looked at
    reloader.maybe_reload()
    assert reloader.wait(10)
    assert store.content.translations["en"].prompts["emergency"] == NEW_EMERGENCY
    clock.now = saved_at + 9
    reloader.maybe_reload()
    assert reloader.wait(10)
    assert "hang up and dial" in store.content.translations["en"].prompts["emergency"]


def edit_emergency_prompt(content: Path, clock: Clock) -> None:
    """Save an edit of en.yaml that has settled by the clock's time."""
    en = content / "messages" / "en.yaml"
    en.write_text(
        en.read_text(encoding="utf-8").replace(
            "If this is an emergency, hang up and dial {emergency}.", NEW_EMERGENCY
        ),
        encoding="utf-8",
    )
    os.utime(en, (clock.now - 60, clock.now - 60))


class BlockedLoads:
    """Replaces the reloader's load: each load says it started, then waits until allowed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loading, self.may_finish = threading.Event(), threading.Event()
        self.threads: list[threading.Thread] = []
        monkeypatch.setattr("hotline.content.reload.load_to_serve", self._load)

    def _load(self, *args: Any, **kwargs: Any) -> LoadResult:
        self.threads.append(threading.current_thread())
        self.loading.set()
        assert self.may_finish.wait(10)
        return load_to_serve(*args, **kwargs)


def test_the_request_that_notices_an_edit_does_not_wait_for_its_load(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ContentStore.load(content_copy / "menus", content_copy / "messages")
    clock = Clock(time.time())
    reloader = Reloader(store, 5, clock=clock, wall_clock=clock)
    good_version = store.content.version
    loads = BlockedLoads(monkeypatch)
    edit_emergency_prompt(content_copy, clock)
    clock.now += 6

    reloader.maybe_reload()  # returns while the load is blocked in the background
    assert loads.loading.wait(10)
    assert loads.threads[0] is not threading.current_thread()
    assert store.content.version == good_version
    clock.now += 6
    reloader.maybe_reload()  # a load is running: no second one starts
    assert not reloader.wait(0.01)

    loads.may_finish.set()
    assert reloader.wait(10)
    assert len(loads.threads) == 1
    assert store.content.translations["en"].prompts["emergency"] == NEW_EMERGENCY


# Python 3.12 warns on any fork of a process with threads; forking one is the point here.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_process_loads_even_while_its_parent_is_loading(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ContentStore.load(content_copy / "menus", content_copy / "messages")
    clock = Clock(time.time())
    reloader = Reloader(store, 5, clock=clock, wall_clock=clock)
    loads = BlockedLoads(monkeypatch)
    edit_emergency_prompt(content_copy, clock)
    clock.now += 6
    reloader.maybe_reload()
    assert loads.loading.wait(10)  # the parent is loading, so it holds the one-load-at-a-time lock

    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports by its exit code
        try:
            loads.may_finish.set()  # the child's own load need not wait
            clock.now += 6
            reloader.maybe_reload()
            loaded = reloader.wait(10)
            prompt = store.content.translations["en"].prompts["emergency"]
            os._exit(0 if loaded and prompt == NEW_EMERGENCY else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    loads.may_finish.set()
    assert reloader.wait(10)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_rejected_edit_is_recorded_from_the_background(
    content_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ContentStore.load(content_copy / "menus", content_copy / "messages")
    clock = Clock(time.time())
    reloader = Reloader(store, 5, clock=clock, wall_clock=clock)
    good_version = store.content.version
    caplog.set_level(logging.WARNING, logger="hotline.content.reload")
    tree = content_copy / "menus" / "tree.yaml"
    tree.write_text(
        tree.read_text(encoding="utf-8").replace("2: services", "2: servces"), encoding="utf-8"
    )
    os.utime(tree, (clock.now - 60, clock.now - 60))
    clock.now += 6

    reloader.maybe_reload()
    assert reloader.wait(10)
    assert store.content.version == good_version
    assert store.rejected is not None and store.rejected.errors == 1
    assert "menus/tree.yaml:5: option 2 of menu 'main' points to 'servces'" in caplog.text


def test_no_thread_is_started_before_a_request(content_copy: Path) -> None:
    """gunicorn forks workers from a preloaded app: a thread started then would not survive."""
    before = set(threading.enumerate())
    app = create_app(app_settings(content_copy, HOTLINE_RELOAD_SECONDS="3"))
    assert set(threading.enumerate()) - before == set()
    assert "If this is an emergency" in greeting_text(app)


def test_reload_can_be_switched_off(content_copy: Path) -> None:
    app = create_app(app_settings(content_copy, HOTLINE_RELOAD_SECONDS="off"))
    en = content_copy / "messages" / "en.yaml"
    write(
        en,
        en.read_text(encoding="utf-8").replace(
            "If this is an emergency, hang up and dial {emergency}.", NEW_EMERGENCY
        ),
    )
    assert "If this is an emergency, hang up and dial 9 1 1." in greeting_text(app)


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("", 3.0), ("0", 0.0), ("2.5", 2.5), ("off", None), ("OFF", None), ("never", None)],
)
def test_reload_interval(raw: str, seconds: float | None) -> None:
    assert reload_interval({"HOTLINE_RELOAD_SECONDS": raw}) == seconds


@pytest.mark.parametrize("raw", ["-1", "soon", "99999"])
def test_a_wrong_reload_interval_says_how_to_fix_it(raw: str) -> None:
    with pytest.raises(ConfigError, match="HOTLINE_RELOAD_SECONDS"):
        reload_interval({"HOTLINE_RELOAD_SECONDS": raw})


def test_synchronously_a_request_waits_for_a_load_that_another_request_started(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With 0 seconds, no answer may come from content older than the request's files."""
    store = ContentStore.load(content_copy / "menus", content_copy / "messages")
    clock = Clock(time.time())
    reloader = Reloader(store, 0, clock=clock, wall_clock=clock)
    loads = BlockedLoads(monkeypatch)
    edit_emergency_prompt(content_copy, clock)
    first = threading.Thread(target=reloader.maybe_reload)
    first.start()
    assert loads.loading.wait(10)  # the first request is loading the edit

    seen_by_second: list[str] = []

    def second_request() -> None:
        reloader.maybe_reload()
        seen_by_second.append(store.content.translations["en"].prompts["emergency"])

    second = threading.Thread(target=second_request)
    second.start()
    second.join(0.2)  # without waiting, it would have answered from the old content by now
    loads.may_finish.set()
    first.join(10)
    second.join(10)
    assert seen_by_second == [NEW_EMERGENCY]
