"""Sources the summaries are written from (sources/), and the checks of what messages cite.

A source is one YAML file: its title, date, signatories and where it was published, and its text
word for word as numbered paragraphs (cited as ¶N) or named parts (such as `contact`). Nothing
here knows a particular statement: ids, paragraph counts and texts all come from the files.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from hotline.content import schema
from hotline.content.model import Citation, Content, Source
from hotline.content.problems import ProblemList, did_you_mean
from hotline.content.reader import Reader, text_of
from hotline.content.yaml_lines import LoadedYaml, line_of

PARAGRAPH = "¶"
_PASSAGE = rf"(?:{PARAGRAPH}\d+|[a-z][a-z0-9-]*)"
_CITATION = re.compile(
    rf"^(?P<source>[a-z0-9][a-z0-9-]*)(?:\s+(?P<passages>{_PASSAGE}(?:\s*,\s*{_PASSAGE})*))?$"
)
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_WORD = re.compile(r"[^\W\d_]+")
# Words too common to show that a summary and a paragraph are about the same thing.
_COMMON_WORDS = frozenset(
    # A word list reads best as one text; split() keeps it that way.
    """
    about after also been being both does each from have into just like made make many more most
    much must only other over said same says should some such than that their them then there
    these they this those under very were what when where which while will with within without
    would your city
    """.split()  # noqa: SIM905
)
_SUFFIXES = ("ing", "ies", "ed", "es", "s")


def parse_citations(text: str) -> tuple[Citation, ...] | None:
    """`statement-2026-02 ¶7, ¶9; city-page intro` as citations; None when it cannot be read."""
    citations = []
    for part in text.split(";"):
        match = _CITATION.match(part.strip())
        if match is None:
            return None
        passages = match.group("passages") or ""
        labels = tuple(label.strip() for label in passages.split(",") if label.strip())
        citations.append(Citation(match.group("source"), labels))
    return tuple(citations)


# Many messages cite the same paragraphs: their words are found once per load, not per message.
@functools.lru_cache(maxsize=1024)
def key_words(text: str) -> frozenset[str]:
    """The telling words of a text, lower case and without plural or -ing endings."""
    found = set()
    for word in _WORD.findall(text.lower()):
        if len(word) < 4 or word in _COMMON_WORDS:
            continue
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        found.add(word)
    return frozenset(found)


# Building -------------------------------------------------------------------------------------


def build_sources(docs: list[LoadedYaml], problems: ProblemList, root: Path) -> dict[str, Source]:
    """One Source per readable file; `root` holds the files a source may name as its document."""
    sources = {}
    for doc in docs:
        source = _build_source(doc, problems, root)
        if source is not None:
            sources[source.id] = source
    return sources


def _build_source(doc: LoadedYaml, problems: ProblemList, root: Path) -> Source | None:
    if doc.data is None:
        return None
    reader = Reader(problems, doc.path)
    source_id = doc.path.stem
    if not schema.ID_PATTERN.match(source_id):
        problems.error(
            doc.path,
            None,
            f"source id '{source_id}' (the file name) may only have lowercase letters, digits "
            "and dashes",
            "rename the file, for example statement-2026-02.yaml",
        )
        return None
    section = reader.section(doc.data, schema.SOURCE_FIELDS, f"source '{source_id}'")
    if section is None:
        return None
    passages: dict[str, str] = {}
    passages |= _paragraphs(reader, section)
    passages |= _parts(reader, section)
    document, document_text = _document(reader, section, root)
    if not passages and document is None:
        problems.error(
            doc.path,
            line_of(section),
            f"source '{source_id}' has no text to cite",
            "add its paragraphs (1: ..., 2: ...) under paragraphs:, or name a file as document:",
        )
        return None
    return Source(
        id=source_id,
        title=text_of(section.get("title")),
        date=_date(reader, section),
        published=text_of(section.get("published")),
        signed_by=tuple(text_of(name) for name in section.get("signed_by") or ()),
        url=text_of(section.get("url")),
        passages=MappingProxyType(passages),
        document=document,
        document_text=document_text,
        file=str(doc.path),
        line=line_of(section) or 1,
    )


def _paragraphs(reader: Reader, section: Any) -> dict[str, str]:
    paragraphs = section.get("paragraphs")
    if not isinstance(paragraphs, dict):
        return {}
    found = {}
    for key, text in paragraphs.items():
        line = line_of(paragraphs, key)
        written = str(key)
        if not (written.isascii() and written.isdigit() and int(written) >= 1):
            reader.problems.error(
                reader.path,
                line,
                f"paragraph '{key}' should be numbered 1, 2, 3...",
                "number the paragraphs from the first paragraph of the body",
            )
            continue
        number = int(written)
        if not text_of(text).strip():
            reader.problems.error(reader.path, line, f"paragraph {number} is empty")
        found[f"{PARAGRAPH}{number}"] = text_of(text).strip()
    numbers = sorted(int(label[1:]) for label in found)
    missing = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
    if missing:
        reader.problems.warning(
            reader.path,
            line_of(paragraphs),
            f"paragraphs are numbered without {', '.join(f'¶{n}' for n in missing)}",
            "number every paragraph of the body, so ¶N is the Nth paragraph a reader counts",
        )
    return found


def _parts(reader: Reader, section: Any) -> dict[str, str]:
    parts = section.get("parts")
    if not isinstance(parts, dict):
        return {}
    found = {}
    for name, text in parts.items():
        if not _NAME.match(str(name)):
            reader.problems.error(
                reader.path,
                line_of(parts, name),
                f"part name '{name}' may only have lowercase letters, digits and dashes",
                "name it with a word, such as contact",
            )
            continue
        found[str(name)] = text_of(text).strip()
    return found


def _document(reader: Reader, section: Any, root: Path) -> tuple[str | None, str]:
    name = text_of(section.get("document")).strip()
    if not name:
        return None, ""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts:
        reader.problems.error(
            reader.path,
            line_of(section, "document"),
            f"document '{name}' must be a file beside the sources folder",
            "write a path such as PRIVACY.md",
        )
        return None, ""
    try:
        return name, (root / relative).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        reader.problems.error(
            reader.path,
            line_of(section, "document"),
            f"document '{name}' cannot be read",
            f"put the file at {root / relative}, or correct the name",
        )
        return None, ""


def _date(reader: Reader, section: Any) -> dt.date | None:
    raw = section.get("date")
    if raw is None or isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(text_of(raw))
    except ValueError:
        reader.problems.error(
            reader.path, line_of(section, "date"), f"date '{raw}' is not a date", "write 2026-02-05"
        )
        return None


# Checks ---------------------------------------------------------------------------------------


def check_citations(content: Content, problems: ProblemList, source_line: Any) -> None:
    """Every message cites passages that exist, and (warning) shares words with what it cites.

    `source_line(file, message_id)` gives the line of a message's `source:`.
    """
    summaries = content.translations.get(content.default_language)
    for message in content.messages.values():
        line = source_line(message.file, message.id) or message.line
        if not message.citations:
            known = ", ".join(sorted(content.sources)) or "none yet: add a file to sources/"
            problems.error(
                message.file,
                line,
                f"source '{message.source}' of message '{message.id}' does not name a source "
                "and its paragraphs",
                f"write it as: <source id> ¶7 (or ¶7, ¶9, or a part such as contact). "
                f"Sources: {known}",
            )
            continue
        ok = True
        for citation in message.citations:
            ok = _check_citation(content, problems, message.id, message.file, line, citation) and ok
        text = summaries.messages.get(message.id) if summaries else None
        if ok and text is not None:
            _check_shared_words(content, problems, message.id, message.file, line, text)


def _check_citation(
    content: Content,
    problems: ProblemList,
    message_id: str,
    file: str,
    line: int,
    citation: Citation,
) -> bool:
    source = content.sources.get(citation.source)
    if source is None:
        problems.error(
            file,
            line,
            f"message '{message_id}' cites '{citation.source}', which is not in sources/",
            did_you_mean(citation.source, content.sources)
            or f"add sources/{citation.source}.yaml, or cite one of: "
            f"{', '.join(sorted(content.sources)) or 'none yet'}",
        )
        return False
    missing = [label for label in citation.passages if label not in source.passages]
    for label in missing:
        numbers = [int(p[1:]) for p in source.passages if p.startswith(PARAGRAPH)]
        names = [p for p in source.passages if not p.startswith(PARAGRAPH)]
        has = [f"{PARAGRAPH}{min(numbers)} to {PARAGRAPH}{max(numbers)}"] if numbers else []
        problems.error(
            file,
            line,
            f"message '{message_id}' cites {label}, but {source.id} has "
            f"{' and '.join(has + names) or 'no paragraphs'}",
            "cite a paragraph that holds what the message says",
        )
    if not citation.passages and source.document is None:
        problems.error(
            file,
            line,
            f"message '{message_id}' cites all of {source.id}",
            "name the paragraphs it summarises, such as "
            + f"{source.id} {next(iter(source.passages))}",
        )
        return False
    return not missing


def _check_shared_words(
    content: Content, problems: ProblemList, message_id: str, file: str, line: int, text: Any
) -> None:
    cited = [(source, c) for source, c in content.cited(message_id) if c.passages]
    if not cited:
        return  # a whole document: too long for shared words to mean anything
    summary = key_words(" ".join((text.title, text.voice, text.text)))
    paragraphs = key_words(" ".join(source.text(c) for source, c in cited))
    if summary & paragraphs:
        return
    problems.warning(
        file,
        line,
        f"message '{message_id}' shares no key words with what it cites "
        f"({'; '.join(str(c) for _, c in cited)})",
        f"check that the {content.default_language} text summarises those paragraphs, "
        "or cite the ones it does",
    )
