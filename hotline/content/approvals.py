"""Sign-off on each message: who approved which text, and whether that approval still holds.

An approval (`approved:` under a message in a language file) records a fingerprint of three
parts as they were approved: the text in that language, the text it translates (the default
language's), and the cited passages of the source. When any part changes, the approval is stale
and `hotline check` names the part. A language is reviewed when all its messages are approved;
nobody types that by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from types import MappingProxyType
from typing import Any

from hotline.content import schema
from hotline.content.model import Approval, Content, MessageText
from hotline.content.problems import ProblemList
from hotline.content.reader import Reader, text_of
from hotline.content.yaml_lines import line_of

TEXT, ORIGINAL, SOURCE = "text", "original", "source"
PARTS = (TEXT, ORIGINAL, SOURCE)
APPROVED, STALE, DRAFT = "approved", "stale", "draft"


def read_approval(reader: Reader, value: Any, line: int | None, what: str) -> Approval | None:
    """The `approved:` section of one message, or None (with a problem) when it is not usable."""
    section = reader.section(value, schema.APPROVAL_FIELDS, f"approval of {what}", line)
    if section is None or any(name not in section for name in schema.APPROVAL_FIELDS):
        return None
    raw_date = section["date"]
    try:
        date = raw_date if isinstance(raw_date, dt.date) else dt.date.fromisoformat(str(raw_date))
    except ValueError:
        reader.problems.error(
            reader.path,
            line_of(section, "date"),
            f"date '{raw_date}' of the approval of {what} is not a date",
            "write it as 2026-12-02",
        )
        return None
    fingerprint = section["fingerprint"]
    if not isinstance(fingerprint, dict):
        return None  # reported by the section check
    for part in fingerprint:
        if part not in PARTS:
            reader.problems.warning(
                reader.path,
                line_of(fingerprint, part),
                f"unknown fingerprint part '{part}' in the approval of {what}",
                f"copy the fingerprint from hotline review; its parts are {', '.join(PARTS)}",
            )
    return Approval(
        by=text_of(section["by"]),
        date=date,
        fingerprint=MappingProxyType({str(k): text_of(v) for k, v in fingerprint.items()}),
        line=line or 0,
    )


def _digest(*texts: str) -> str:
    return hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:12]


def _text_digest(text: MessageText) -> str:
    return _digest(text.title, text.voice, text.text)


def fingerprint(content: Content, code: str, message_id: str) -> dict[str, str]:
    """The fingerprint an approval of this message in this language records today."""
    translation = content.translations[code]
    parts = {TEXT: _text_digest(translation.messages[message_id])}
    original = content.translations.get(content.default_language)
    if code != content.default_language and original and message_id in original.messages:
        parts[ORIGINAL] = _text_digest(original.messages[message_id])
    if message_id in content.messages:
        parts[SOURCE] = _digest(*(source.text(c) for source, c in content.cited(message_id)))
    return parts


def with_review_states(content: Content) -> Content:
    """The content with each message's review state, and each language's, worked out."""
    translations = {}
    for code, translation in content.translations.items():
        messages = {}
        for message_id, text in translation.messages.items():
            changed: tuple[str, ...] = ()
            state = DRAFT
            if text.approval is not None:
                recorded = text.approval.fingerprint
                now = fingerprint(content, code, message_id)
                changed = tuple(part for part in now if recorded.get(part) != now[part])
                state = STALE if changed else APPROVED
            messages[message_id] = dataclasses.replace(text, review=state, changed=changed)
        done = bool(messages) and all(text.review == APPROVED for text in messages.values())
        translations[code] = dataclasses.replace(
            translation,
            messages=MappingProxyType(messages),
            review="reviewed" if done else "draft",
        )
    return dataclasses.replace(content, translations=MappingProxyType(translations))


def describe_changes(content: Content, code: str, message_id: str, parts: tuple[str, ...]) -> str:
    """What changed since an approval, in words: 'the es text and the cited paragraphs'."""
    cited = "; ".join(str(c) for c in content.messages[message_id].citations)
    words = {
        TEXT: f"the {code} text",
        ORIGINAL: f"the {content.default_language} text it translates",
        SOURCE: f"the cited source ({cited})",
    }
    named = [words[part] for part in parts]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def check_approvals(content: Content, problems: ProblemList) -> None:
    """Warn about every approval that no longer matches what it approved."""
    for code, translation in content.translations.items():
        for message_id, text in translation.messages.items():
            if text.review != STALE or text.approval is None:
                continue
            approval = text.approval
            problems.warning(
                translation.file,
                approval.line,
                f"the approval of message '{message_id}' in {code} (by {approval.by}, "
                f"{approval.date.isoformat()}) is stale: "
                f"{describe_changes(content, code, message_id, text.changed)} changed since",
                f"review it again (hotline review --lang {code}) and write the new fingerprint, "
                "or remove approved: until then",
            )
