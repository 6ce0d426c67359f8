"""The review sheet: every message beside what it cites, to check and sign on paper.

A pure function of the content and a language. For each message it shows the cited passages of
the source, the summary in the source language (and the translation beside it), the spoken and
the texted version with what they cost a caller and a texter, boxes to tick, a place to sign,
and the `approved:` lines to copy into the language file once signed.
"""

from __future__ import annotations

import dataclasses
import html
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from hotline.content.approvals import fingerprint
from hotline.content.model import Content, MessageText
from hotline.sms.render import SmsRenderer
from hotline.sms.segments import sms_size
from hotline.sms.session import Conversation
from hotline.voice.speech import seconds
from hotline.wording import fill, text_values, voice_values

FORMATS = ("html", "md")

CHECKS_SOURCE = (
    "Says what the cited paragraphs say, and nothing more: no promise, right or legal advice "
    "they do not give.",
    "The spoken version and the text version say the same thing.",
)
CHECK_TRANSLATION = "The translation says what the {original} text says, no more and no less."


@dataclass(frozen=True)
class Passage:
    source: str
    label: str
    text: str


@dataclass(frozen=True)
class Entry:
    """One message as the sheet shows it."""

    id: str
    citation: str
    passages: tuple[Passage, ...]
    original: MessageText | None  # the source-language text, when reviewing a translation
    text: MessageText
    spoken_seconds: float
    sms_segments: int
    sms_encoding: str
    approved_lines: str


def entries(content: Content, code: str) -> list[Entry]:
    """Every message of the tree, in the order a caller meets them, then any unreachable."""
    translation = content.translations[code]
    original_code = content.default_language
    original = content.translations.get(original_code) if code != original_code else None
    language = content.language(code)
    rate = language.words_per_minute if language else 150
    values = voice_values(content, code)
    renderer = SmsRenderer(content)
    reachable = [node for node in content.walk.preorder if node in content.messages]
    unreachable = [m for m in content.messages if not content.walk.reachable(m)]
    found = []
    for message_id in [*reachable, *unreachable]:
        text = translation.messages.get(message_id)
        if text is None:
            continue
        passages = tuple(
            Passage(source.id, label, source.passages[label])
            if label
            else Passage(source.id, "", f"All of {source.document}: read it beside this sheet.")
            for source, citation in content.cited(message_id)
            for label in (citation.passages or ("",))
            if label in source.passages or not label
        )
        segments, encoding = _sms_cost(content, renderer, code, message_id)
        found.append(
            Entry(
                id=message_id,
                citation=content.messages[message_id].source,
                passages=passages,
                original=_readable(content, original.messages[message_id])
                if original and message_id in original.messages
                else None,
                text=_readable(content, text),
                spoken_seconds=seconds(fill(text.voice, values), rate),
                sms_segments=segments,
                sms_encoding=encoding,
                approved_lines=_approved_lines(content, code, message_id),
            )
        )
    return found


def _readable(content: Content, text: MessageText) -> MessageText:
    """The text with its placeholders filled as written, so the sheet reads as callers hear it."""
    values = text_values(content)
    return dataclasses.replace(text, voice=fill(text.voice, values), text=fill(text.text, values))


def _sms_cost(
    content: Content, renderer: SmsRenderer, code: str, message_id: str
) -> tuple[int, str]:
    """Segments and encoding of the reply a texter gets for the message, as the line sends it."""
    trail = content.walk.trails.get(message_id)
    if trail is None or len(trail) < 2:
        return 0, ""
    key = next(edge.key for edge in content.walk.options(trail[-2]) if edge.target == message_id)
    document = renderer.reply(Conversation(code, trail[:-1]), key).document
    bodies = [message.text or "" for message in ET.fromstring(document).iter("Message")]
    sizes = [sms_size(body) for body in bodies]
    encodings = sorted({size.encoding for size in sizes})
    return sum(size.segments for size in sizes), " and ".join(encodings)


def _approved_lines(content: Content, code: str, message_id: str) -> str:
    parts = ", ".join(f"{p}: {v}" for p, v in fingerprint(content, code, message_id).items())
    return (
        f"  {message_id}:\n"
        "    approved:\n"
        '      by: "<name and role>"\n'
        "      date: <YYYY-MM-DD>\n"
        f"      fingerprint: {{{parts}}}"
    )


def _state(text: MessageText) -> str:
    if text.review == "stale":
        return "stale approval: " + ", ".join(text.changed) + " changed"
    if text.review == "approved" and text.approval is not None:
        return f"approved by {text.approval.by} on {text.approval.date.isoformat()}"
    return "not approved yet"


def _checks(content: Content, code: str) -> list[str]:
    checks = list(CHECKS_SOURCE)
    if code != content.default_language:
        checks.append(CHECK_TRANSLATION.format(original=_name(content, content.default_language)))
    return checks


# Markdown -------------------------------------------------------------------------------------


def review_markdown(content: Content, code: str) -> str:
    translation = content.translations[code]
    out = [
        f"# Review sheet: {translation.name} ({code})",
        "",
        f"Content version {content.version}. {_summary(content, code)}",
        "",
        *_sources_markdown(content),
    ]
    for entry in entries(content, code):
        out += [
            f"## {entry.text.title} (`{entry.id}`)",
            "",
            f"Source: {entry.citation} · Review: {_state(entry.text)}",
            "",
        ]
        for passage in entry.passages:
            out += [f"**{passage.source} {passage.label}**", "", _quote(passage.text), ""]
        if entry.original is not None:
            out += _versions_markdown(_name(content, content.default_language), entry.original)
        out += _versions_markdown(_name(content, code), entry.text)
        out += [
            f"About {entry.spoken_seconds:.0f} s to say; the text reply is "
            f"{entry.sms_segments} SMS segment(s) ({entry.sms_encoding}).",
            "",
            *(f"- [ ] {check}" for check in _checks(content, code)),
            "",
            "Approved by: ______________________  Date: ____________  Signature: ____________",
            "",
            f"Once signed, add under `messages:` in `messages/{code}.yaml`:",
            "",
            "```yaml",
            entry.approved_lines,
            "```",
            "",
        ]
    return "\n".join(out)


def _name(content: Content, code: str) -> str:
    return content.translations[code].name or code


def _versions_markdown(language: str, text: MessageText) -> list[str]:
    out = [f"*{language}, spoken:*", "", _quote(text.voice), ""]
    if text.text != text.voice:
        out += [f"*{language}, text message:*", "", _quote(text.text), ""]
    return out


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


def _sources_markdown(content: Content) -> list[str]:
    out = ["## Sources", ""]
    for source in content.sources.values():
        facts = [source.published]
        if source.date:
            facts.append(source.date.isoformat())
        if source.signed_by:
            facts.append("signed by " + "; ".join(source.signed_by))
        out.append(f"- `{source.id}`: {source.title} ({', '.join(facts)})")
    return [*out, ""]


def _summary(content: Content, code: str) -> str:
    states = [text.review for text in content.translations[code].messages.values()]
    counts = ", ".join(f"{states.count(s)} {s}" for s in ("approved", "stale", "draft"))
    return f"Messages: {counts}. Language status: {content.translations[code].review}."


# HTML -----------------------------------------------------------------------------------------

_STYLE = """
body { font: 11pt/1.4 Georgia, serif; color: #000; margin: 2em auto; max-width: 60em; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; margin: 0 0 .3em; }
.message { border: 1px solid #444; padding: .8em 1em; margin: 1.2em 0; break-inside: avoid;
  page-break-inside: avoid; }
.meta { font: 9pt/1.3 sans-serif; color: #333; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.columns.three { grid-template-columns: 1fr 1fr 1fr; }
blockquote { margin: .2em 0 .6em; padding-left: .6em; border-left: 3px solid #999; }
h3 { font: bold 9pt sans-serif; text-transform: uppercase; margin: .4em 0 .2em; }
ul.checks { list-style: none; padding: 0; } ul.checks li::before { content: "\\2610  "; }
.sign { margin-top: 1em; display: flex; gap: 2em; font: 10pt sans-serif; }
.sign span { flex: 1; border-bottom: 1px solid #000; padding-top: 1.6em; }
pre { font: 8.5pt monospace; background: #f4f4f4; padding: .4em; white-space: pre-wrap; }
@page { margin: 1.5cm; }
@media print { body { margin: 0; max-width: none; } pre { background: none;
  border: 1px dotted #999; } a { color: #000; text-decoration: none; } }
"""


def review_html(content: Content, code: str) -> str:
    translation = content.translations[code]
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(code)}"><head><meta charset="utf-8">',
        f"<title>Review sheet: {e(translation.name)} ({e(code)})</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>Review sheet: {e(translation.name)} ({e(code)})</h1>",
        f'<p class="meta">Content version {e(content.version)}. {e(_summary(content, code))}</p>',
        "<h2>Sources</h2><ul>",
    ]
    for source in content.sources.values():
        facts = [source.published, source.date.isoformat() if source.date else ""]
        signed = f"; signed by {'; '.join(source.signed_by)}" if source.signed_by else ""
        parts.append(
            f"<li><code>{e(source.id)}</code>: {e(source.title)} "
            f"({e(', '.join(f for f in facts if f))}{e(signed)})</li>"
        )
    parts.append("</ul>")
    for entry in entries(content, code):
        parts.append(_entry_html(content, code, entry))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _entry_html(content: Content, code: str, entry: Entry) -> str:
    e = html.escape
    cited = "".join(
        f"<h3>{e(p.source)} {e(p.label)}</h3><blockquote>{e(p.text)}</blockquote>"
        for p in entry.passages
    )
    columns = [f"<div>{cited}</div>"]
    if entry.original is not None:
        columns.append(_versions_html(_name(content, content.default_language), entry.original))
    columns.append(_versions_html(_name(content, code), entry.text))
    checks = "".join(f"<li>{e(check)}</li>" for check in _checks(content, code))
    grid = "columns three" if len(columns) == 3 else "columns"
    return (
        f'<section class="message" id="{e(entry.id)}">'
        f"<h2>{e(entry.text.title)} <code>{e(entry.id)}</code></h2>"
        f'<p class="meta">Source: {e(entry.citation)} · Review: {e(_state(entry.text))} · '
        f"about {entry.spoken_seconds:.0f} s to say · text reply: {entry.sms_segments} SMS "
        f"segment(s), {e(entry.sms_encoding)}</p>"
        f'<div class="{grid}">{"".join(columns)}</div>'
        f'<ul class="checks">{checks}</ul>'
        '<div class="sign"><span>Approved by</span><span>Date</span><span>Signature</span></div>'
        f'<p class="meta">Once signed, add under <code>messages:</code> in '
        f"<code>messages/{e(code)}.yaml</code>:</p><pre>{e(entry.approved_lines)}</pre>"
        "</section>"
    )


def _versions_html(language: str, text: MessageText) -> str:
    e = html.escape
    out = f"<div><h3>{e(language)}, spoken</h3><blockquote>{e(text.voice)}</blockquote>"
    if text.text != text.voice:
        out += f"<h3>{e(language)}, text message</h3><blockquote>{e(text.text)}</blockquote>"
    return out + "</div>"


def review_sheet(content: Content, code: str, format: str = "html") -> str:
    """The review sheet of language `code`, as HTML (for paper) or Markdown."""
    if format == "md":
        return review_markdown(content, code)
    return review_html(content, code)
