"""What the content model works out once per version: the tree walk and the typed sms section."""

from __future__ import annotations

from pathlib import Path

from hotline.content.load import load_content
from hotline.content.model import Content, Edge
from tests.conftest import FIXTURE_CONTENT


def load(folder: Path) -> Content:
    content = load_content(folder / "menus", folder / "messages").content
    assert content is not None
    return content


def test_the_walk_gives_trails_depths_and_edges_of_the_test_tree() -> None:
    walk = load(FIXTURE_CONTENT).walk
    assert walk.trails["police-status"] == ("main", "police", "police-status")
    assert walk.depth("main") == 0 and walk.depth("police-role") == 2
    assert walk.order == ("main", "police", "services", "police-role", "police-status")
    assert walk.preorder == ("main", "police", "police-role", "police-status", "services")
    assert walk.options("police") == (
        Edge("police", "1", "police-role"),
        Edge("police", "2", "police-status"),
    )


def test_an_unreachable_node_has_no_trail(content_copy: Path) -> None:
    tree = content_copy / "menus" / "tree.yaml"
    tree.write_text(
        tree.read_text(encoding="utf-8").replace("      2: services\n", ""), encoding="utf-8"
    )
    walk = load(content_copy).walk
    assert not walk.reachable("services") and walk.depth("services") is None
    assert walk.reachable("police-status")


def test_the_walk_is_worked_out_once_per_content() -> None:
    content = load(FIXTURE_CONTENT)
    assert content.walk is content.walk


def test_the_sms_section_is_typed_with_its_fallbacks() -> None:
    sms = load(FIXTURE_CONTENT).translations["en"].sms
    assert sms.words["language"][0] == "EN"
    assert sms.sentence("navigation").startswith("Reply with a number")
    # The test tree's English has no office sentence: the office's reply is the help sentence.
    assert "office" not in sms.sentences
    assert sms.sentence("office") == sms.sentences["help"]
