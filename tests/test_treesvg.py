"""`hotline map --format svg`: the tree as a picture, with review states and usage as heat."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from hotline import cli
from hotline.content.load import load_content
from hotline.content.model import Content
from hotline.metrics.counter import Count
from hotline.treesvg import HOT, rows, tree_svg, usage_by_item
from tests.conftest import FIXTURE_CONTENT, REPO_ROOT

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def shipped() -> Content:
    content = load_content(REPO_ROOT / "menus", REPO_ROOT / "messages").content
    assert content is not None
    return content


def nodes(svg: str) -> dict[str, ET.Element]:
    return {g.get("data-id"): g for g in ET.fromstring(svg).iter(f"{SVG}g")}


def texts(node: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in node.iter(f"{SVG}text")]


def test_every_node_is_drawn_with_its_key_title_and_source(shipped: Content) -> None:
    drawn = nodes(tree_svg(shipped, "es"))
    assert list(drawn) == list(shipped.walk.preorder)
    detainers = texts(drawn["police-detainers"])
    assert detainers[0] == "2 · retención y órdenes judiciales"
    assert re.fullmatch(r"statement-2026-02 ¶7, ¶9 · heard after \d+ s", detainers[1])
    assert detainers[2] == "draft"  # Spanish is not approved yet
    assert re.fullmatch(r"menu police · 5 options · heard after \d+ s", texts(drawn["police"])[1])


def test_nodes_are_indented_under_their_menu(shipped: Content) -> None:
    drawn = nodes(tree_svg(shipped, "en"))

    def x(node: str) -> float:
        return float(drawn[node].find(f"{SVG}rect").get("x"))  # type: ignore[union-attr]

    assert x("main") < x("police") < x("police-role")
    assert x("police") == x("services") and x("police-role") == x("services-open")


def test_usage_colours_each_node_by_its_share(shipped: Content) -> None:
    drawn = nodes(tree_svg(shipped, "en", {"police": 30, "police-role": 10}))
    fill = {node: g.find(f"{SVG}rect").get("fill") for node, g in drawn.items()}  # type: ignore[union-attr]
    assert fill["police"] == "#{:02x}{:02x}{:02x}".format(*HOT)
    assert fill["services"] == "#ffffff"
    assert fill["police-role"] not in (fill["police"], fill["services"])
    assert "25% of uses" in texts(drawn["police-role"])[2]


def test_without_usage_the_picture_says_so(shipped: Content) -> None:
    svg = tree_svg(shipped, "en")
    assert "Usage: not available here" in svg
    assert {g.find(f"{SVG}rect").get("fill") for g in nodes(svg).values()} == {"#ffffff"}  # type: ignore[union-attr]


def test_usage_counts_only_the_last_thirty_days() -> None:
    counts = [
        Count("2026-11-02", "voice", "en", "police", 5),  # 31 days before: too old
        Count("2026-11-03", "voice", "en", "police", 2),
        Count("2026-12-02", "sms", "es", "police", 3),
    ]
    today = dt.date(2026, 12, 2)
    assert usage_by_item(counts, today) == {"police": 5}
    assert usage_by_item(counts, today, language="es") == {"police": 3}


def test_a_menu_reached_twice_is_drawn_once(content_copy: Path) -> None:
    tree = content_copy / "menus" / "tree.yaml"
    tree.write_text(
        tree.read_text(encoding="utf-8").replace(
            "      2: services\n", "      2: services\n      3: police-role\n"
        ),
        encoding="utf-8",
    )
    content = load_content(content_copy / "menus", content_copy / "messages").content
    assert content is not None
    table = rows(content)
    assert [(row.node, row.again) for row in table if row.node == "police-role"] == [
        ("police-role", False),
        ("police-role", True),
    ]


def test_titles_are_escaped(content_copy: Path) -> None:
    en = content_copy / "messages" / "en.yaml"
    en.write_text(
        en.read_text(encoding="utf-8").replace("title: city services", 'title: "<city> & co"'),
        encoding="utf-8",
    )
    content = load_content(content_copy / "menus", content_copy / "messages").content
    assert content is not None
    assert "2 · <city> & co" in texts(nodes(tree_svg(content, "en"))["services"])


def test_the_command_writes_the_svg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURE_CONTENT)
    result = CliRunner().invoke(
        cli.main, ["map", "--menus", "menus", "--messages", "messages", "--format", "svg"]
    )
    assert result.exit_code == 0, result.output
    assert ET.fromstring(result.output).tag == f"{SVG}svg"
