"""The menu tree as an SVG picture: a pure function of content, language and usage counts.

`hotline map --format svg` writes it for a council meeting or a README; the staff console shows
the same picture. Each node says how many seconds a caller waits to hear it (pressing each key
as soon as it is named: hotline.voice.caller_time). The layout is an indented tree (each node
one row, children below and to the right of their menu), computed here in a few lines: it needs
no Graphviz or browser at run time, stays readable for a tree of thousands of nodes, and gives
the same bytes on every host.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from hotline.content.model import MAIN_MENU, Content
from hotline.metrics.counter import Count
from hotline.voice.caller_time import caller_seconds

ROW, INDENT, WIDTH, HEIGHT, MARGIN = 64, 36, 400, 52, 16
TITLE_CHARS = 48
USAGE_DAYS = 30
# Heat from no use to the most used node: white to the deep orange of ColorBrewer's OrRd.
COLD, HOT = (255, 255, 255), (227, 74, 51)
REVIEW_COLOURS = {"approved": "#1a7f37", "stale": "#b35900", "draft": "#6e7781"}


@dataclass(frozen=True)
class Row:
    node: str
    key: str  # the key pressed in the menu above; "" for the main menu
    depth: int
    parent_row: int | None
    again: bool  # a node already drawn higher up, reached again by another option


def usage_by_item(
    counts: Iterable[Count], today: dt.date, language: str | None = None, days: int = USAGE_DAYS
) -> dict[str, int]:
    """Uses of each menu item in the last `days` days (today included), in one language or all."""
    first = (today - dt.timedelta(days=days - 1)).isoformat()
    totals: dict[str, int] = {}
    for count in counts:
        if count.day >= first and (language is None or count.language == language):
            totals[count.item] = totals.get(count.item, 0) + count.value
    return totals


def rows(content: Content) -> list[Row]:
    """The tree depth first in key order, one row per option (a repeat is drawn once, marked)."""
    walk = content.walk
    found = [Row(MAIN_MENU, "", 0, None, False)]
    drawn = {MAIN_MENU}

    def below(menu_id: str, row: int, depth: int) -> None:
        for edge in walk.options(menu_id):
            again = edge.target in drawn
            found.append(Row(edge.target, edge.key, depth, row, again))
            if not again:
                drawn.add(edge.target)
                if edge.target in content.menus:
                    below(edge.target, len(found) - 1, depth + 1)

    below(MAIN_MENU, 0, 1)
    return found


def tree_svg(content: Content, code: str, usage: Mapping[str, int] | None = None) -> str:
    """The tree in language `code`; `usage` (node id -> uses) colours each node by its share."""
    table = rows(content)
    seconds = caller_seconds(content, code)
    total = sum(usage.values()) if usage else 0
    hottest = max((usage or {}).values(), default=0)
    deepest = max(row.depth for row in table)
    width = MARGIN * 2 + deepest * INDENT + WIDTH
    height = MARGIN * 2 + len(table) * ROW + 36
    name = content.translations[code].name
    heading = f"Menu tree, {name} ({code}), content {content.version}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="tree-title" '
        'font-family="Helvetica, Arial, sans-serif" font-size="13">',
        f'<title id="tree-title">{escape(heading)}</title>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for index, row in enumerate(table):
        if row.parent_row is not None:
            out.append(_connector(table[row.parent_row], row.parent_row, row, index))
    for index, row in enumerate(table):
        uses = (usage or {}).get(row.node, 0)
        heard = seconds.get(row.node)
        out.append(_node(content, code, row, index, uses, total, hottest, usage is not None, heard))
    out.append(_legend(height - MARGIN - 30, usage is not None, total))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _box(index: int, depth: int) -> tuple[int, int]:
    return MARGIN + depth * INDENT, MARGIN + index * ROW


def _connector(parent: Row, parent_index: int, row: Row, index: int) -> str:
    px, py = _box(parent_index, parent.depth)
    x, y = _box(index, row.depth)
    down = px + INDENT // 2
    return (
        f'<path d="M{down},{py + HEIGHT} V{y + HEIGHT // 2} H{x}" fill="none" '
        'stroke="#8c959f" stroke-width="1.5"/>'
    )


def _heat(uses: int, hottest: int) -> str:
    share = uses / hottest if hottest else 0.0
    red, green, blue = (round(c + (h - c) * share) for c, h in zip(COLD, HOT, strict=True))
    return f"#{red:02x}{green:02x}{blue:02x}"


def _node(
    content: Content,
    code: str,
    row: Row,
    index: int,
    uses: int,
    total: int,
    hottest: int,
    counted: bool,
    heard: float | None,
) -> str:
    x, y = _box(index, row.depth)
    title = content.title(row.node, code) or row.node
    shown = title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"
    first = f"{row.key} · {shown}" if row.key else shown
    if row.node in content.menus:
        options = len(content.menus[row.node].options)
        second = f"menu {row.node} · {options} options"
        review = ""
    else:
        second = f"{content.messages[row.node].source}"
        review = content.translations[code].messages[row.node].review
    if heard is not None:
        second += f" · heard after {heard:.0f} s"
    if row.again:
        second = "shown above"
    share = f"{uses / total:.0%} of uses" if counted and total else ""
    tooltip = "; ".join(
        part for part in (first, second, review and f"review: {review}", share) if part
    )
    fill = _heat(uses, hottest) if counted else "#ffffff"
    dash = ' stroke-dasharray="4 3"' if row.again else ""
    parts = [
        f'<g class="node" data-id={quoteattr(row.node)}>',
        f"<title>{escape(tooltip)}</title>",
        f'<rect x="{x}" y="{y}" width="{WIDTH}" height="{HEIGHT}" rx="6" fill="{fill}" '
        f'stroke="#57606a"{dash}/>',
        f'<text x="{x + 10}" y="{y + 21}" font-weight="bold">{escape(first)}</text>',
        f'<text x="{x + 10}" y="{y + 40}" fill="#424a53" font-size="11">{escape(second)}</text>',
    ]
    right = x + WIDTH - 10
    if review and not row.again:
        parts.append(
            f'<text x="{right}" y="{y + 40}" text-anchor="end" font-size="11" '
            f'fill="{REVIEW_COLOURS.get(review, "#000")}">{escape(review)}'
            f'<tspan fill="#000">{escape(" · " + share) if share else ""}</tspan></text>'
        )
    elif share:
        parts.append(
            f'<text x="{right}" y="{y + 40}" text-anchor="end" font-size="11">{share}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _legend(y: int, counted: bool, total: int) -> str:
    if not counted:
        note = "Usage: not available here (the staff console colours nodes by use)."
    elif not total:
        note = f"Usage: no use counted in the last {USAGE_DAYS} days."
    else:
        note = f"Colour: share of the last {USAGE_DAYS} days' {total} uses (orange: most used)."
    reviews = ", ".join(f"{state}" for state in REVIEW_COLOURS)
    return (
        f'<text x="{MARGIN}" y="{y}" font-size="11" fill="#424a53">{escape(note)}</text>'
        f'<text x="{MARGIN}" y="{y + 16}" font-size="11" fill="#424a53">'
        f"Messages: {reviews} (draft: not approved yet).</text>"
    )
