"""Checks of what texters read, measured on the replies the SMS renderer really sends.

Each check is `check(content, problems, sources)`, run by hotline.content.validate through
hotline.channel_checks. The sizes are the console's text simulator's: hotline.sms.segments on
each <Message> body of the real reply.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import TYPE_CHECKING

from hotline.content.model import Content
from hotline.content.problems import ProblemList
from hotline.navigation import MAIN, shortest_trails
from hotline.sms.render import SmsRenderer
from hotline.sms.segments import GSM7_PART, UCS2_PART, non_gsm7, sms_size

if TYPE_CHECKING:
    from hotline.content.validate import Sources

# Replies that are not a place in the tree, with the sms sentence each starts from.
FIXED_REPLIES = (
    ("welcome", "the first reply (welcome, main menu and languages)", "welcome"),
    ("help", "the reply to HELP", "help"),
    ("office", "the reply to 0 or an office word", "office"),
    ("not_understood", "the reply to a text it does not understand", "not_understood"),
    ("first_help", "the reply to HELP as a first text", "help"),
    ("first_office", "the reply to an office word as a first text", "office"),
)


def replies(content: Content, code: str) -> Iterator[tuple[str, tuple[str, ...], str]]:
    """Every reply a texter can get in language `code`: (what, YAML keys of its text, body)."""
    renderer = SmsRenderer(content)
    for kind, what, field in FIXED_REPLIES:
        for body in bodies(renderer.render(kind, code, MAIN)):
            yield what, ("sms", field), body
    translation = content.translations[code]
    for node_id, trail in shortest_trails(content).items():
        node = translation.menus.get(node_id) or translation.messages[node_id]
        if node_id in content.menus:
            what, keys = f"the menu '{node_id}'", ("menus", node_id)
        else:
            text = translation.messages[node_id]
            field = "text" if text.text != text.voice else "voice"
            what, keys = f"message '{node_id}'", ("messages", node_id, field)
        for body in bodies(renderer.render("node", code, trail)):
            yield what, keys, body
        if node.words:  # a first text of one of its words gets it, after the 911 line
            for body in bodies(renderer.render("first_node", code, trail)):
                yield f"{what} as the answer to a first text", keys, body


def bodies(document: str) -> list[str]:
    """The text of each <Message> of a reply document."""
    root = ET.fromstring(document)
    texts = []
    for message in root.iter("Message"):
        body = message.find("Body")
        texts.append((body.text if body is not None else message.text) or "")
    return texts


def check_segments(content: Content, problems: ProblemList, sources: Sources | None) -> None:
    """Warn when any reply takes more segments than `targets: sms_segments`."""
    if problems.errors:
        return  # replies are rendered only from content without errors
    budget = content.targets.sms_segments
    for language in content.languages:
        translation = content.translations[language.code]
        for what, keys, body in replies(content, language.code):
            size = sms_size(body)
            if size.segments <= budget:
                continue
            hint = "shorten it; long replies cost more and may arrive in pieces"
            if size.encoding == "UCS-2":
                hint += (
                    f". {', '.join(non_gsm7(body)[:5])} make it UCS-2, {UCS2_PART} characters "
                    f"per segment instead of {GSM7_PART}"
                )
            problems.warning(
                translation.file,
                sources.line(translation.file, *keys) if sources else None,
                f"the {language.code} text reply for {what} is sent as {size.describe()} "
                f"(more than {budget})",
                hint,
            )


# Only warns, and renders every reply a texter can get: run for staff, not on every load.
ADVICE = (check_segments,)
