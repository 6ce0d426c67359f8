"""Content faults from the chaos review, each on real files: a large valid file (F2), a restart
after a rejected edit (F3), a read that never returns (F6, a named pipe), a file dated in the
future (F8), and what /healthz tells about them (D8)."""

from __future__ import annotations

import http.client
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from bench.generate_tree import write as write_generated_tree
from hotline import create_app
from hotline.content import caps
from hotline.content.load import load_content
from hotline.content.reload import Reloader
from hotline.content.snapshot import Snapshot
from hotline.content.store import ContentError, ContentStore
from tests.conftest import app_settings
from tests.gunicorn_server import answers, running
from tests.test_reload import NEW_EMERGENCY, Clock, edit_emergency_prompt, greeting_text, write

OLD_EMERGENCY = "If this is an emergency, hang up and dial {emergency}."


def health(app: Flask) -> dict:
    return app.test_client().get("/healthz").get_json()


def problems_of(content: Path) -> list[str]:
    result = load_content(content / "menus", content / "messages", base=content)
    assert result.content is None
    return [problem.format() for problem in result.problems.errors]


def add_messages(language_file: Path, count: int) -> None:
    """Add `count` valid messages (that no menu uses) to a language file's messages."""
    added = "".join(
        f'  filler-{n}:\n    title: filler {n}\n    voice: "Filler {n}."\n    text: "Filler {n}."\n'
        for n in range(count)
    )
    text = language_file.read_text(encoding="utf-8")
    assert "\nmessages:\n" in text
    write(language_file, text.replace("\nmessages:\n", "\nmessages:\n" + added, 1))


# --- F2: a large valid file -------------------------------------------------------------------


def test_a_large_valid_file_is_refused_before_it_is_read(content_copy: Path) -> None:
    en = content_copy / "messages" / "en.yaml"
    add_messages(en, 8000)  # valid YAML, about 700 KB
    assert en.stat().st_size > caps.MAX_FILE_BYTES

    started = time.monotonic()
    problems = problems_of(content_copy)
    assert time.monotonic() - started < 1.0  # not parsed: the chaos review's 50 MB took 92 s
    (problem,) = [problem for problem in problems if problem.startswith("messages/en.yaml:")]
    assert problem.startswith(
        f"messages/en.yaml: error: the file is larger than {caps.MAX_FILE_BYTES // 1024} KB"
    )
    assert "split a long text into several messages" in problem


def test_too_many_messages_in_a_small_file_are_refused(content_copy: Path) -> None:
    en = content_copy / "messages" / "en.yaml"
    add_messages(en, caps.MAX_ENTRIES)
    assert en.stat().st_size < caps.MAX_FILE_BYTES

    (problem,) = problems_of(content_copy)
    assert problem.startswith("messages/en.yaml: error: ")
    assert f"more than the {caps.MAX_ENTRIES} a file may hold" in problem


def test_many_files_together_may_not_pass_the_total(content_copy: Path) -> None:
    messages = content_copy / "messages"
    for number in range(caps.MAX_TOTAL_BYTES // 200_000 + 1):  # each file well under its own cap
        extra = messages / f"x{number}.yaml"
        extra.write_text("# a draft\n" + "#" * 200_000 + "\n", encoding="utf-8")
    problems = problems_of(content_copy)
    total = f"content comes to more than {caps.MAX_TOTAL_BYTES // 1024} KB in all"
    assert any(total in problem for problem in problems)


def test_a_large_edit_is_rejected_at_once_and_the_line_keeps_its_version(
    content_copy: Path,
) -> None:
    app = create_app(app_settings(content_copy, HOTLINE_RELOAD_SECONDS="0"))
    good = health(app)["content_version"]
    en = content_copy / "messages" / "en.yaml"
    add_messages(en, 8000)

    assert "If this is an emergency, hang up and dial 9 1 1." in greeting_text(app)
    status = health(app)
    assert status["content_version"] == good
    assert status["rejected_edit"]["errors"] >= 1


# --- F6: a read that never returns ------------------------------------------------------------


def test_a_named_pipe_among_the_content_is_reported_not_waited_for(content_copy: Path) -> None:
    app = create_app(app_settings(content_copy, HOTLINE_RELOAD_SECONDS="0"))
    good = health(app)["content_version"]
    os.mkfifo(content_copy / "messages" / "zz.yaml")  # nobody will ever write to it

    assert "If this is an emergency, hang up and dial 9 1 1." in greeting_text(app)
    status = health(app)
    assert status["content_version"] == good
    assert status["rejected_edit"] is not None
    assert status["reload"]["stuck"] is False
    assert "messages/zz.yaml: error: this is not a regular file (a named pipe, socket or" in (
        "\n".join(problems_of(content_copy))
    )


class HungMount:
    """A content file whose read never returns until released: a named pipe with no writer,
    opened the blocking way (the loader's own guard against pipes is switched off, so the pipe
    stands in for a file on a network mount that stopped answering)."""

    def __init__(self, content: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(caps, "OPEN_FLAGS", os.O_RDONLY)
        self.fifo = content.parent / "hung.fifo"
        os.mkfifo(self.fifo)
        self.link = content / "messages" / "zz.yaml"
        self.link.symlink_to(self.fifo)

    def remove(self) -> None:
        self.link.unlink()

    def release(self) -> None:
        """Let a read still waiting return (empty), so the test leaves no thread behind."""
        try:
            descriptor = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return  # no reader left
        os.close(descriptor)


def test_a_load_that_never_returns_is_reported_and_left_behind(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = ContentStore.load(content_copy / "menus", content_copy / "messages")
    clock = Clock(time.time())
    reloader = Reloader(store, 5, clock=clock, wall_clock=clock, deadline=20)
    hung = HungMount(content_copy, monkeypatch)
    try:
        os.utime(hung.link, (clock.now - 60, clock.now - 60), follow_symlinks=False)
        clock.now += 6
        reloader.maybe_reload()
        assert not reloader.wait(0.3)  # blocked in open()
        status = reloader.status()
        assert status.loading_since is not None and not status.stuck

        clock.now += 21  # past the deadline
        assert reloader.status().stuck

        hung.remove()
        edit_emergency_prompt(content_copy, clock)
        caplog.set_level(logging.ERROR, logger="hotline.content.reload")
        reloader.maybe_reload()  # the stuck load is left behind; a new one starts
        assert reloader.wait(10)
        assert store.content.translations["en"].prompts["emergency"] == NEW_EMERGENCY
        assert "loading edited content has taken more than 20 s" in caplog.text
        assert reloader.status().stuck_loads == 1
    finally:
        hung.release()


def test_synchronously_a_stuck_load_holds_a_request_for_seconds_not_forever(
    content_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hotline.content.reload.SYNCHRONOUS_WAIT_SECONDS", 0.3)
    store = ContentStore.load(content_copy / "menus", content_copy / "messages")
    reloader = Reloader(store, 0)
    hung = HungMount(content_copy, monkeypatch)
    try:
        answered = threading.Event()

        def request() -> None:
            reloader.maybe_reload()
            answered.set()

        threading.Thread(target=request, daemon=True).start()
        assert answered.wait(3)  # it was held 0.3 s, then served the content it had
        assert reloader.status().loading_since is not None
    finally:
        hung.release()


def test_healthz_says_a_load_is_stuck(content_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hotline.content.reload.LOAD_DEADLINE_SECONDS", 0.2)
    app = create_app(app_settings(content_copy, HOTLINE_RELOAD_SECONDS="0.05"))
    hung = HungMount(content_copy, monkeypatch)
    try:
        os.utime(hung.link, (time.time() - 60, time.time() - 60), follow_symlinks=False)
        time.sleep(0.1)
        health(app)  # this request starts the load, which blocks
        time.sleep(0.4)
        status = health(app)
        assert status["status"] == "degraded"
        assert status["reload"]["stuck"] is True
        assert status["reload"]["loading_since"] is not None or status["reload"]["stuck_loads"]
    finally:
        hung.release()


# --- F8: a file dated in the future -----------------------------------------------------------


def test_an_edit_dated_in_the_future_is_loaded_with_a_warning(
    content_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = ContentStore.load(content_copy / "menus", content_copy / "messages")
    clock = Clock(time.time())
    reloader = Reloader(store, 3, clock=clock, wall_clock=clock)
    edit_emergency_prompt(content_copy, clock)
    en = content_copy / "messages" / "en.yaml"
    os.utime(en, (clock.now + 3600, clock.now + 3600))  # copied from a clock an hour ahead
    caplog.set_level(logging.WARNING, logger="hotline.content.reload")

    for _ in range(3):  # within a few looks: first seen, then seen unchanged for the settle time
        clock.now += 3
        reloader.maybe_reload()
        assert reloader.wait(10)
    assert store.content.translations["en"].prompts["emergency"] == NEW_EMERGENCY
    assert "content files are dated 3" in caplog.text
    assert "in the future" in caplog.text


# --- F3: restarts after a rejected edit -------------------------------------------------------


def break_settings(content: Path) -> None:
    settings = content / "menus" / "settings.yaml"
    good = settings.read_text(encoding="utf-8")
    write(settings, good.replace('phone: "+14135871249"', 'phone: "413 587 1249"'))


def test_a_restart_with_a_rejected_edit_on_disk_serves_the_last_good_version(
    content_copy: Path,
) -> None:
    settings = app_settings(content_copy, HOTLINE_RELOAD_SECONDS="0")
    app = create_app(settings)
    en = content_copy / "messages" / "en.yaml"
    write(en, en.read_text(encoding="utf-8").replace(OLD_EMERGENCY, NEW_EMERGENCY))
    assert "hang up now" in greeting_text(app)  # accepted, and kept on disk
    edited = health(app)["content_version"]
    break_settings(content_copy)
    assert health(app)["rejected_edit"] is not None

    restarted = create_app(settings)  # without the kept version: ContentError, no line at all
    status = health(restarted)
    assert status["content_version"] == edited
    assert status["rejected_edit"]["errors"] == 1
    assert "hang up now" in greeting_text(restarted)


def test_without_a_kept_version_a_rejected_start_still_lists_every_problem(
    content_copy: Path, tmp_path: Path
) -> None:
    break_settings(content_copy)
    with pytest.raises(ContentError, match="office phone"):
        create_app(app_settings(content_copy, HOTLINE_STATE_DIR=str(tmp_path / "empty")))


def test_a_kept_version_others_may_write_is_not_trusted(content_copy: Path, tmp_path: Path) -> None:
    state = tmp_path / "shared-state"
    snapshot = Snapshot(state, content_copy / "menus", content_copy / "messages")
    snapshot.save(
        ContentStore.load(content_copy / "menus", content_copy / "messages").content.version
    )
    assert snapshot.load() is not None
    snapshot.root.chmod(0o777)
    assert snapshot.load() is None


# Python 3.12 warns on any fork of a process with threads; forking one is the point here.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_worker_starts_from_the_kept_version_not_its_parents(
    content_copy: Path, tmp_path: Path
) -> None:
    """gunicorn's preloading master holds the boot-time content; a worker forked after an edit
    was accepted (by another worker) and a later one rejected must serve the accepted one."""
    menus, messages = content_copy / "menus", content_copy / "messages"
    snapshot = Snapshot(tmp_path / "state", menus, messages)
    master = ContentStore.load(menus, messages, last_good=snapshot)
    _reloader = Reloader(master, 3, snapshot=snapshot)  # held, as the app's requests hold it
    booted = master.content.version

    # Another worker accepts an edit (and keeps it); then the edit after it is rejected.
    en = messages / "en.yaml"
    write(en, en.read_text(encoding="utf-8").replace(OLD_EMERGENCY, NEW_EMERGENCY))
    other = ContentStore.load(menus, messages, last_good=snapshot)
    assert snapshot.version() == other.content.version != booted
    break_settings(content_copy)

    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which reports by its exit code
        try:
            prompt = master.content.translations["en"].prompts["emergency"]
            os._exit(0 if prompt == NEW_EMERGENCY else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert master.content.version == booted  # the parent itself is left as it was


def health_over_http(port: int) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        connection.request("GET", "/healthz")
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


def wait_for(check: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.1)


def test_under_gunicorn_a_replaced_worker_serves_the_last_accepted_edit(
    content_copy: Path, tmp_path: Path
) -> None:
    """The chaos review's 3b: a valid edit, a rejected one, a worker killed. The new worker loads
    the files on disk, which are rejected: it must serve the accepted edit, not fail to boot."""
    settings = {
        "HOTLINE_MENUS_DIR": str(content_copy / "menus"),
        "HOTLINE_MESSAGES_DIR": str(content_copy / "messages"),
        "HOTLINE_RELOAD_SECONDS": "0.2",
    }
    with running(tmp_path / "gunicorn.log", settings=settings, workers=1) as server:
        booted = health_over_http(server.port)["content_version"]
        en = content_copy / "messages" / "en.yaml"
        write(en, en.read_text(encoding="utf-8").replace(OLD_EMERGENCY, NEW_EMERGENCY))
        wait_for(lambda: health_over_http(server.port)["content_version"] != booted)
        accepted = health_over_http(server.port)["content_version"]
        break_settings(content_copy)
        wait_for(lambda: health_over_http(server.port)["rejected_edit"] is not None)

        (worker,) = server.workers()
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: server.workers() not in ([], [worker]) and answers(server.port))

        status = health_over_http(server.port)
        assert status["content_version"] == accepted
        assert status["rejected_edit"] is not None
        assert "accepted" in server.log.read_text()  # the accepted edit was logged


def test_the_largest_tree_the_line_is_built_for_fits_the_limits(tmp_path: Path) -> None:
    """2,000 menus and messages in 6 languages (the benchmarked scale) load without a problem."""
    write_generated_tree(tmp_path, 2000, 6)
    loaded = load_content(tmp_path / "menus", tmp_path / "messages")
    assert not loaded.problems.errors, loaded.problems.errors[:3]
    assert loaded.content is not None and len(loaded.content.messages) > 1000
