"""The advice (checks that only warn) is left out when the server loads content, not for staff.

Caller time, text segments and reading grade render or read every document the line can send:
seconds on a big tree, and no bearing on what is served. `hotline check` and the console list
them; the server's load, reload and last-good snapshot do not run them.
"""

from __future__ import annotations

from pathlib import Path

from hotline.content.load import load_content, load_to_serve
from hotline.content.store import ContentStore


def _slow_first_answer(content: Path) -> None:
    """Set the caller-time target to five seconds (the least allowed), which answers miss."""
    settings = content / "menus" / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    assert text.endswith("targets:\n  reading_grade: 12\n")
    settings.write_text(text + "  caller_seconds: 5\n", encoding="utf-8")


def _messages(result_problems: object) -> set[str]:
    return {p.message for p in result_problems.sorted()}  # type: ignore[attr-defined]


def test_the_servers_load_leaves_out_the_advice_and_nothing_else(content_copy: Path) -> None:
    _slow_first_answer(content_copy)
    menus, messages = content_copy / "menus", content_copy / "messages"
    checked = load_content(menus, messages, content_copy)
    served = load_to_serve(menus, messages, content_copy)

    late = {m for m in _messages(checked.problems) if "seconds into the call" in m}
    assert late, "a five-second target should be missed"
    assert not {m for m in _messages(served.problems) if "seconds into the call" in m}
    assert set(served.problems.errors) == set(checked.problems.errors)
    assert _messages(served.problems) <= _messages(checked.problems)
    assert served.content is not None and checked.content is not None
    assert served.content.version == checked.content.version


def test_the_store_gives_staff_the_advice_of_the_version_it_serves(content_copy: Path) -> None:
    _slow_first_answer(content_copy)
    store = ContentStore.load(content_copy / "menus", content_copy / "messages")
    assert not [p for p in store.problems.sorted() if "seconds into the call" in p.message]
    checked = store.checked()
    assert [p for p in checked.sorted() if "seconds into the call" in p.message]
    assert store.checked() is checked  # once per version

    # An edit on disk not yet loaded: its advice is not passed off as the served version's.
    restarted = ContentStore.load(content_copy / "menus", content_copy / "messages")
    en = content_copy / "messages" / "en.yaml"
    en.write_text(en.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert restarted.checked() is restarted.problems
