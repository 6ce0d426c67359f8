"""Read `menus/` and `messages/` into the immutable content model, collecting every problem."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hotline.content import caps, schema
from hotline.content.approvals import read_approval, with_review_states
from hotline.content.citations import build_sources, parse_citations
from hotline.content.model import (
    Content,
    DayHours,
    Keys,
    Language,
    Menu,
    MenuText,
    Message,
    MessageText,
    Office,
    OfficeHours,
    Option,
    SmsTexts,
    Targets,
    Translation,
    VoiceSettings,
)
from hotline.content.placeholders import check_placeholders
from hotline.content.problems import ProblemList, did_you_mean
from hotline.content.reader import Reader, text_of
from hotline.content.yaml_lines import LineDict, LoadedYaml, line_of, load_yaml_text

SETTINGS_FILE = "settings.yaml"
# Speech rates of Twilio's neural voices, measured by the content review of 2026-12.
DEFAULT_WORDS_PER_MINUTE = {"en": 150, "es": 165, "pt": 165}


@dataclass(frozen=True)
class LoadResult:
    content: Content | None
    problems: ProblemList


def read_yaml_files(
    paths: list[Path], problems: ProblemList, raw: dict[Path, bytes] | None = None
) -> list[LoadedYaml]:
    """Parse each file, reporting unreadable, oversized files, syntax errors and duplicate keys.

    The bytes of each file read are kept in `raw`, so the version hash needs no second read;
    all the files in `raw` together may not pass the size limit (hotline/content/caps.py).
    """
    loaded = []
    total = [sum(len(data) for data in raw.values()) if raw is not None else 0]
    for path in paths:
        try:
            data = caps.read_content_file(path, total)
        except OSError as error:
            problems.error(path, None, f"the file cannot be read ({error.strerror})")
            continue
        except caps.FileRefused as refused:
            problems.error(path, None, refused.message, refused.hint)
            continue
        if raw is not None:
            raw[path] = data
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            problems.error(path, None, "the file is not UTF-8 text", "save it as UTF-8")
            continue
        if "\r" in text:  # line ends as read_text gives them, saved on Windows or old Macs
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        result = load_yaml_text(path, text)
        if result.syntax_error:
            problems.error(
                path,
                result.syntax_error.line,
                f"YAML syntax: {result.syntax_error.message}",
                "check indentation and quotes; put text with ':' or '#' in quotes",
            )
        for duplicate in result.duplicates:
            problems.error(
                path,
                duplicate.second_line,
                f"'{duplicate.key}' is written twice (lines {duplicate.first_line} and "
                f"{duplicate.second_line}); only the second would be used",
                "keep one of them",
            )
        loaded.append(result)
    return loaded


def content_version(paths: list[Path], raw: Mapping[Path, bytes] | None = None) -> str:
    """A short hash of every content file's name and bytes, shown in /healthz.

    With `raw`, the bytes read by the load are hashed as they were read; without, files are read.
    """
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        if raw is not None:
            # A file not read was refused (a named pipe would never return): not read here either.
            data = raw.get(path, b"<unreadable>")
        else:
            try:
                data = path.read_bytes()
            except OSError:
                data = b"<unreadable>"
        digest.update(data)
    return digest.hexdigest()[:12]


def default_sources_dir(menus_dir: Path) -> Path:
    """Where the sources are unless a folder is given: beside menus/."""
    return menus_dir.parent / "sources"


def content_files(
    menus_dir: Path, messages_dir: Path, sources_dir: Path | None = None
) -> list[Path]:
    sources_dir = sources_dir or default_sources_dir(menus_dir)
    return [
        *sorted(menus_dir.glob("*.yaml")),
        *sorted(messages_dir.glob("*.yaml")),
        *sorted(sources_dir.glob("*.yaml")),
    ]


def load_content(
    menus_dir: Path,
    messages_dir: Path,
    base: Path | None = None,
    sources_dir: Path | None = None,
    advice: bool = True,
) -> LoadResult:
    """Load and validate all content; `content` is None when there is any error.

    The sources are read from `sources_dir`, by default the sources/ folder beside menus/.
    With `advice` off, the checks that only warn are left out (load_to_serve).
    """
    with _collector_paused():
        return _load_content(menus_dir, messages_dir, base, sources_dir, advice)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a load builds its objects, then back as it was.

    A load makes a few hundred thousand objects that live on, none of them garbage; each time
    the collector runs it walks them all again: a third of the load of a 2,000-node tree in six
    languages (bench/RESULTS.md). Nothing a load makes needs the collector to be freed.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _load_content(
    menus_dir: Path,
    messages_dir: Path,
    base: Path | None,
    sources_dir: Path | None,
    advice: bool,
) -> LoadResult:
    from hotline.content.validate import Sources, check_documents, validate

    sources_dir = sources_dir or default_sources_dir(menus_dir)

    problems = ProblemList(base=base)
    for folder, what in ((menus_dir, "menus"), (messages_dir, "messages")):
        if not folder.is_dir():
            problems.error(folder, None, f"the {what} folder does not exist")
    if problems.errors:
        return LoadResult(None, problems)

    settings_path = menus_dir / SETTINGS_FILE
    tree_paths = [p for p in sorted(menus_dir.glob("*.yaml")) if p.name != SETTINGS_FILE]
    message_paths = sorted(messages_dir.glob("*.yaml"))
    source_paths = sorted(sources_dir.glob("*.yaml"))
    if not settings_path.is_file():
        problems.error(settings_path, None, "settings.yaml is missing from the menus folder")
        return LoadResult(None, problems)
    if not tree_paths:
        problems.error(menus_dir, None, "no menu files (such as tree.yaml) in the menus folder")
    if not message_paths:
        problems.error(messages_dir, None, "no language files (such as en.yaml) found")

    raw: dict[Path, bytes] = {}
    settings_docs = read_yaml_files([settings_path], problems, raw)
    tree_docs = read_yaml_files(tree_paths, problems, raw)
    message_docs = read_yaml_files(message_paths, problems, raw)
    source_docs = read_yaml_files(source_paths, problems, raw)
    if not settings_docs:
        return LoadResult(None, problems)  # settings.yaml is not text: reported above
    sections = ("menus", "messages")
    counted = [(doc.path, doc.data, sections) for doc in [*tree_docs, *message_docs]]
    too_many = caps.count_problems(counted)
    for path, message in too_many:
        problems.error(path, None, message, "split the topic, or remove entries no menu uses")
    if too_many:
        return LoadResult(None, problems)  # too many to check each within a second
    (settings_doc,) = settings_docs

    settings = _build_settings(settings_doc, problems)
    menus, messages = _build_tree(tree_docs, problems)
    translations = {}
    for doc in message_docs:
        translation = _build_translation(doc, problems)
        if translation is not None:
            translations[translation.code] = translation
    cited = build_sources(source_docs, problems, sources_dir.parent)

    documents = [settings_doc, *tree_docs, *message_docs, *source_docs]
    sources = Sources(
        documents={str(doc.path): doc.data for doc in documents},
        settings_file=str(settings_path),
        root=messages_dir.parent,
        tree_files=tuple(str(doc.path) for doc in tree_docs),
        unreadable=frozenset(str(doc.path) for doc in documents if doc.syntax_error),
    )
    check_documents(sources, problems)
    if settings is None:
        return LoadResult(None, problems)
    content = Content(
        version=content_version([settings_path, *tree_paths, *message_paths, *source_paths], raw),
        default_language=settings["default_language"],
        emergency_number=settings["emergency_number"],
        languages=settings["languages"],
        office=settings["office"],
        keys=settings["keys"],
        voice=settings["voice"],
        targets=settings["targets"],
        menus=MappingProxyType(menus),
        messages=MappingProxyType(messages),
        translations=MappingProxyType(translations),
        sources=MappingProxyType(cited),
    )
    content = with_review_states(content)
    validate(content, problems, sources, advice=advice)
    return LoadResult(None if problems.errors else content, problems)


def load_to_serve(
    menus_dir: Path, messages_dir: Path, base: Path | None = None, sources_dir: Path | None = None
) -> LoadResult:
    """What the server loads: the content and its errors, without the advice (checks that only
    warn and render every document: seconds on a big tree, and no bearing on what is served).
    Staff see the advice too, in `hotline check` and in the console (ContentStore.checked)."""
    return load_content(menus_dir, messages_dir, base, sources_dir, advice=False)


def _build_settings(doc: LoadedYaml, problems: ProblemList) -> dict[str, Any] | None:
    reader = Reader(problems, doc.path)
    if doc.data is None and doc.syntax_error:
        return None
    root = reader.section(doc.data, schema.SETTINGS_FIELDS, "settings.yaml")
    if root is None:
        return None
    office = _build_office(reader, root.get("office"), line_of(root, "office"))
    keys = _build_keys(reader, root.get("keys"), line_of(root, "keys"))
    voice_map = root.get("voice") or LineDict()
    voice_section = reader.section(voice_map, schema.VOICE_FIELDS, "voice", line_of(root, "voice"))
    tries = wait = None
    if voice_section is not None:
        tries, wait = (
            reader.get(voice_section, name, field, field.default)
            for name, field in schema.VOICE_FIELDS.items()
        )
        for name, value in (("tries", tries), ("wait_seconds", wait)):
            low, high = schema.VOICE_FIELDS[name].low, schema.VOICE_FIELDS[name].high
            if not low <= value <= high:  # type: ignore[operator]
                problems.error(
                    doc.path,
                    line_of(voice_section, name),
                    f"voice {name} is {value}; it must be between {low} and {high}",
                )
    languages = _build_languages(reader, root.get("languages"), line_of(root, "languages"))
    emergency = text_of(root.get("emergency_number"))
    # ASCII digits only ([0-9], where isdigit() would accept "٩١١", which no phone dials).
    if emergency and not schema.DIGITS_PATTERN.fullmatch(emergency):
        problems.error(
            doc.path, line_of(root, "emergency_number"), "emergency_number must be digits, like 911"
        )
    default_language = text_of(root.get("default_language"))
    if languages and default_language not in {lang.code for lang in languages}:
        problems.error(
            doc.path,
            line_of(root, "default_language"),
            f"default_language '{default_language}' is not one of the languages",
            did_you_mean(default_language, [lang.code for lang in languages]),
        )
    if None in (office, keys, languages, tries, wait) or not emergency:
        return None
    return {
        "default_language": default_language,
        "emergency_number": emergency,
        "languages": languages,
        "office": office,
        "keys": keys,
        "voice": VoiceSettings(tries=tries, wait_seconds=wait),
        "targets": _build_targets(reader, root.get("targets"), line_of(root, "targets")),
    }


def _build_targets(reader: Reader, value: Any, line: int | None) -> Targets:
    """The warning thresholds of `hotline check`; a wrong value is reported and the default kept."""
    defaults = Targets()
    if value is None:
        return defaults
    section = reader.section(value, schema.TARGETS_FIELDS, "targets", line)
    if section is None:
        return defaults
    found: dict[str, int] = {}
    for name, field in schema.TARGETS_FIELDS.items():
        number = reader.get(section, name, field, getattr(defaults, name))
        if not field.low <= number <= field.high:  # type: ignore[operator]
            reader.problems.error(
                reader.path,
                line_of(section, name),
                f"targets {name} is {number}; it must be between {field.low} and {field.high}",
            )
            continue
        found[name] = number
    return Targets(**found)


def _build_office(reader: Reader, value: Any, line: int | None) -> Office | None:
    office = reader.section(value, schema.OFFICE_FIELDS, "office", line)
    if office is None:
        return None
    phone = text_of(office.get("phone"))
    if not schema.E164_PATTERN.match(phone):
        reader.problems.error(
            reader.path,
            line_of(office, "phone"),
            f"office phone '{phone}' is not an E.164 number",
            "write it with + and the country code, without spaces: +14135871249",
        )
    field = schema.OFFICE_FIELDS["dial_timeout"]
    timeout = reader.get(office, "dial_timeout", field, field.default)
    if not field.low <= timeout <= field.high:  # type: ignore[operator]
        reader.problems.error(
            reader.path,
            line_of(office, "dial_timeout"),
            f"dial_timeout must be {field.low} to {field.high} seconds",
        )
    hours = None
    if "hours" in office:
        hours = _build_hours(reader, office["hours"], line_of(office, "hours"))
    email = text_of(office.get("email"))
    if "@" not in email:
        reader.problems.error(
            reader.path, line_of(office, "email"), f"office email '{email}' is not an address"
        )
    return Office(
        phone=phone,
        email=email,
        show_caller_number=bool(office.get("show_caller_number", False)),
        dial_timeout=timeout,
        hours=hours,
        email_spoken=text_of(office.get("email_spoken")),
    )


def _build_hours(reader: Reader, value: Any, line: int | None) -> OfficeHours | None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    hours = reader.section(value, schema.HOURS_FIELDS, "office hours", line)
    if hours is None:
        return None
    timezone = text_of(hours.get("timezone"))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        reader.problems.error(
            reader.path,
            line_of(hours, "timezone"),
            f"'{timezone}' is not a known time zone",
            "use a name such as America/New_York",
        )
        return None
    days = {}
    for index, day in enumerate(schema.HOURS_DAYS):
        if day not in hours:
            continue
        match = schema.HOURS_PATTERN.match(text_of(hours[day]).replace(" ", ""))
        if not match or match.group(1, 2) >= match.group(3, 4):
            reader.problems.error(
                reader.path,
                line_of(hours, day),
                f"hours for {day} '{hours[day]}' are not a valid time range",
                'write them as "09:00-17:00" (24-hour clock, opening before closing)',
            )
            continue
        open_h, open_m, close_h, close_m = (int(g) for g in match.groups())
        closes = dt.time(23, 59, 59) if close_h == 24 else dt.time(close_h, close_m)
        days[index] = DayHours(dt.time(open_h, open_m), closes)
    return OfficeHours(timezone, MappingProxyType(days))


def _build_keys(reader: Reader, value: Any, line: int | None) -> Keys | None:
    keys = reader.section(value, schema.KEYS_FIELDS, "keys", line)
    if keys is None or any(name not in keys for name in schema.KEYS_FIELDS):
        return None
    seen: dict[str, str] = {}
    for name in schema.KEYS_FIELDS:
        key = text_of(keys[name])
        if not schema.KEY_PATTERN.match(key):
            reader.problems.error(
                reader.path,
                line_of(keys, name),
                f"navigation key {name} '{key}' is not a phone key",
                "use one of 0-9, * or #, in quotes for * and #",
            )
        elif key in seen:
            reader.problems.error(
                reader.path,
                line_of(keys, name),
                f"navigation keys {seen[key]} and {name} are both '{key}'",
                "give each navigation key its own phone key",
            )
        seen[key] = name
    return Keys(**{name: text_of(keys[name]) for name in schema.KEYS_FIELDS})


def _build_languages(reader: Reader, value: Any, line: int | None) -> tuple[Language, ...] | None:
    if not isinstance(value, dict) or not value:
        reader.problems.error(reader.path, line, "languages must list at least one language")
        return None
    languages = []
    keys_seen: dict[str, str] = {}
    for code, entry in value.items():
        where = line_of(value, code)
        if not schema.ID_PATTERN.match(code):
            reader.problems.error(
                reader.path, where, f"language code '{code}' should be short lowercase, like es"
            )
        section = reader.section(entry, schema.LANGUAGE_FIELDS, f"language '{code}'", where)
        if section is None or "key" not in section or "twilio_language" not in section:
            continue
        key = text_of(section["key"])
        if not schema.KEY_PATTERN.match(key):
            reader.problems.error(
                reader.path, line_of(section, "key"), f"language key '{key}' is not a phone key"
            )
        if key in keys_seen:
            reader.problems.error(
                reader.path,
                line_of(section, "key"),
                f"languages '{keys_seen[key]}' and '{code}' both use key {key}",
                "give each language its own key",
            )
        keys_seen[key] = code
        voice = section.get("voice")
        field = schema.LANGUAGE_FIELDS["words_per_minute"]
        default_rate = DEFAULT_WORDS_PER_MINUTE.get(code, 150)
        rate = reader.get(section, "words_per_minute", field, default_rate)
        if not field.low <= rate <= field.high:  # type: ignore[operator]
            reader.problems.error(
                reader.path,
                line_of(section, "words_per_minute"),
                f"words_per_minute of '{code}' is {rate}; it must be between {field.low} and "
                f"{field.high}",
            )
            rate = default_rate
        languages.append(
            Language(
                code=code,
                key=key,
                twilio_language=text_of(section["twilio_language"]),
                voice=text_of(voice) if voice else None,
                words_per_minute=rate,
            )
        )
    return tuple(languages)


def _build_tree(
    docs: list[LoadedYaml], problems: ProblemList
) -> tuple[dict[str, Menu], dict[str, Message]]:
    menus: dict[str, Menu] = {}
    messages: dict[str, Message] = {}
    defined_at: dict[str, str] = {}
    for doc in docs:
        if doc.data is None:
            continue
        reader = Reader(problems, doc.path)
        root = reader.section(doc.data, schema.TREE_FIELDS, doc.path.name)
        if root is None:
            continue
        for section_name in ("menus", "messages"):
            section = root.get(section_name)
            if not isinstance(section, dict):
                continue
            for node_id, entry in section.items():
                where = line_of(section, node_id)
                if not schema.ID_PATTERN.match(node_id):
                    problems.error(
                        doc.path,
                        where,
                        f"id '{node_id}' may only have lowercase letters, digits and dashes",
                        "rename it, for example 'police-status'",
                    )
                if node_id in defined_at:
                    problems.error(
                        doc.path,
                        where,
                        f"'{node_id}' is already defined at {defined_at[node_id]}",
                        "give each menu and message its own id",
                    )
                    continue
                defined_at[node_id] = f"{doc.path.name}:{where}"
                if section_name == "menus":
                    menu = _build_menu(reader, node_id, entry, where)
                    if menu is not None:
                        menus[node_id] = menu
                else:
                    message = _build_message(reader, node_id, entry, where)
                    if message is not None:
                        messages[node_id] = message
    return menus, messages


def _build_menu(reader: Reader, node_id: str, entry: Any, line: int | None) -> Menu | None:
    section = reader.section(entry, schema.MENU_FIELDS, f"menu '{node_id}'", line)
    if section is None or not isinstance(section.get("options"), dict):
        return None
    options_map = section["options"]
    options = tuple(
        Option(key=key, target=text_of(target), line=line_of(options_map, key) or 0)
        for key, target in options_map.items()
    )
    return Menu(node_id, options, str(reader.path), line or 0)


def _build_message(reader: Reader, node_id: str, entry: Any, line: int | None) -> Message | None:
    section = reader.section(entry, schema.MESSAGE_FIELDS, f"message '{node_id}'", line)
    if section is None or "source" not in section or "date" not in section:
        return None
    raw_date = section["date"]
    if isinstance(raw_date, dt.date):
        date = raw_date
    else:
        try:
            date = dt.date.fromisoformat(text_of(raw_date))
        except ValueError:
            reader.problems.error(
                reader.path,
                line_of(section, "date"),
                f"date '{raw_date}' of message '{node_id}' is not a date",
                "write it as 2026-02-05",
            )
            return None
    source = text_of(section["source"])
    citations = parse_citations(source) or ()
    return Message(node_id, source, date, str(reader.path), line or 0, citations)


def _build_translation(doc: LoadedYaml, problems: ProblemList) -> Translation | None:
    if doc.data is None:
        return None
    reader = Reader(problems, doc.path)
    root = reader.section(doc.data, schema.TRANSLATION_FIELDS, doc.path.name)
    if root is None:
        return None
    code = text_of(root.get("language"))
    if code != doc.path.stem:
        problems.error(
            doc.path,
            line_of(root, "language"),
            f"language is '{code}' but the file is named {doc.path.name}",
            f"name the file {code}.yaml or set language: {doc.path.stem}",
        )
    prompts_map = root.get("prompts") if isinstance(root.get("prompts"), dict) else {}
    prompts = {name: text_of(text) for name, text in prompts_map.items()}
    for name in prompts_map:
        if name not in schema.PROMPTS:
            problems.warning(
                doc.path,
                line_of(prompts_map, name),
                f"unknown prompt '{name}'; it is never used",
                did_you_mean(name, schema.PROMPTS),
            )
    recordings_map = root.get("recordings") if isinstance(root.get("recordings"), dict) else {}
    recordings = {name: text_of(url) for name, url in recordings_map.items()}

    menus = {}
    menus_map = root.get("menus") if isinstance(root.get("menus"), dict) else {}
    for node_id, entry in menus_map.items():
        section = reader.section(
            entry, schema.MENU_TEXT_FIELDS, f"menu '{node_id}'", line_of(menus_map, node_id)
        )
        if section is None:
            continue
        menus[node_id] = MenuText(
            title=text_of(section.get("title")),
            intro=text_of(section.get("intro")),
            recording=text_of(section.get("recording")) or None,
            words=_words(section.get("words")),
            line=line_of(menus_map, node_id) or 0,
        )
    messages = {}
    messages_map = root.get("messages") if isinstance(root.get("messages"), dict) else {}
    for node_id, entry in messages_map.items():
        section = reader.section(
            entry,
            schema.MESSAGE_TEXT_FIELDS,
            f"message '{node_id}'",
            line_of(messages_map, node_id),
        )
        if section is None:
            continue
        approval = None
        if "approved" in section:
            approval = read_approval(
                reader, section["approved"], line_of(section, "approved"), f"message '{node_id}'"
            )
        voice = text_of(section.get("voice"))
        messages[node_id] = MessageText(
            title=text_of(section.get("title")),
            voice=voice,
            text=text_of(section.get("text")) or voice,
            recording=text_of(section.get("recording")) or None,
            words=_words(section.get("words")),
            line=line_of(messages_map, node_id) or 0,
            approval=approval,
            whatsapp=text_of(section.get("whatsapp")),
        )
    sms = _build_sms(reader, root.get("sms"), line_of(root, "sms"))
    return Translation(
        code=code,
        name=text_of(root.get("name")),
        review="draft",
        file=str(doc.path),
        prompts=MappingProxyType(prompts),
        prompt_lines=MappingProxyType({n: line_of(prompts_map, n) or 0 for n in prompts}),
        prompt_recordings=MappingProxyType(recordings),
        menus=MappingProxyType(menus),
        messages=MappingProxyType(messages),
        sms=sms,
    )


def _build_sms(reader: Reader, section: Any, line: int | None) -> SmsTexts:
    """The `sms:` section, typed: its sentences and words, each problem reported as it is read.

    A sentence that is not text and a list of words that is not a list are left out (and
    reported); the cross-language checks of the words live with the channel (hotline.sms.validate).
    """
    if not isinstance(section, dict):
        return _NO_SMS  # reported by the check of the file's fields
    for name in section:
        if name not in schema.SMS_FIELDS:
            reader.problems.warning(
                reader.path,
                line_of(section, name),
                f"unknown field '{name}' in sms; it is ignored",
                did_you_mean(name, schema.SMS_FIELDS)
                or f"known fields: {', '.join(schema.SMS_FIELDS)}",
            )
    sentences: dict[str, str] = {}
    words: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    word_lines: Mapping[str, int] = MappingProxyType({})
    for name, field in schema.SMS_FIELDS.items():
        value = section.get(name)
        if value is None:
            if field.required:
                reader.problems.error(
                    reader.path,
                    line_of(section),
                    f"sms has no '{name}'",
                    f"add '{name}:' ({field.doc})",
                )
            continue
        if name == "words":
            words, word_lines = _build_sms_words(reader, value, line_of(section, name))
            continue
        at = line_of(section, name)
        if not isinstance(value, str) or not value.strip():
            reader.problems.error(reader.path, at, f"sms '{name}' should be text", field.doc)
            continue
        check_placeholders(
            reader.problems,
            str(reader.path),
            at,
            f"sms '{name}'",
            value,
            schema.SMS_PROMPTS.get(name, frozenset()),
            schema.SMS_REQUIRED_PLACEHOLDERS.get(name, frozenset()),
        )
        sentences[name] = value
    return SmsTexts(
        MappingProxyType(sentences),
        words,
        MappingProxyType(schema.SMS_FALLBACKS),
        line=line or 0,
        word_lines=word_lines,
    )


def _build_sms_words(
    reader: Reader, words: Any, line: int | None
) -> tuple[Mapping[str, tuple[str, ...]], Mapping[str, int]]:
    """The words texters may send, by meaning, and the line of each meaning."""
    if not isinstance(words, dict):
        reader.problems.error(
            reader.path,
            line,
            "sms 'words' should be a set of 'meaning: [WORD, ...]' lines",
            f"meanings: {', '.join(schema.SMS_WORDS)}",
        )
        return MappingProxyType({}), MappingProxyType({})
    listed: dict[str, tuple[str, ...]] = {}
    lines: dict[str, int] = {}
    for meaning, value in words.items():
        at = line_of(words, meaning)
        if meaning not in schema.SMS_WORDS:
            reader.problems.warning(
                reader.path,
                at,
                f"unknown word meaning '{meaning}' in sms words; those words do nothing",
                did_you_mean(meaning, schema.SMS_WORDS)
                or f"meanings: {', '.join(schema.SMS_WORDS)}",
            )
        if not isinstance(value, list) or not all(isinstance(word, str | int) for word in value):
            reader.problems.error(
                reader.path,
                at,
                f"sms words '{meaning}' should be a list of words",
                f"write it as {meaning}: [WORD, OTHER WORD]",
            )
            continue
        listed[str(meaning)] = _words(value)
        lines[str(meaning)] = at or 0
    if not words.get(schema.LANGUAGE_WORDS):
        reader.problems.error(
            reader.path,
            line_of(words),
            f"sms words have no '{schema.LANGUAGE_WORDS}' words, so texters cannot switch to "
            f"{reader.path.stem}",
            "add a line such as language: [ES, ESPAÑOL, SPANISH]",
        )
    return MappingProxyType(listed), MappingProxyType(lines)


_NO_SMS = SmsTexts(
    MappingProxyType({}), MappingProxyType({}), MappingProxyType(schema.SMS_FALLBACKS)
)


def _words(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(text_of(word) for word in value if text_of(word).strip())
