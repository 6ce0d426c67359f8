"""Limits of the medium: SMS segments (GSM-7 or UCS-2) and how long a text takes to say."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hotline.content.model import MAIN_MENU, Content, Language
from hotline.content.problems import ProblemList
from hotline.content.twilio_voices import say_limit, voice_family
from hotline.wording import fill, key_name, text_values, voice_values

if TYPE_CHECKING:
    from hotline.content.validate import Sources

LineFinder = Callable[..., "int | None"]

# The GSM 03.38 basic character set (one septet each) and its extension table (two septets:
# an escape and the character). Any other character makes the whole message UCS-2.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

# Units per message: alone, or per part of a longer message (the rest is the joining header).
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

# Most segments a reply should take before staff are warned (carriers may deliver parts late).
SMS_SEGMENT_WARNING = 3


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    def describe(self) -> str:
        return f"{self.segments} segment(s), {self.encoding}, {self.units} units"


_GSM7_ALL = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    return _GSM7_ALL.issuperset(text)


def non_gsm7(text: str) -> list[str]:
    """The characters that force a text into UCS-2, in order of first appearance."""
    return list(dict.fromkeys(c for c in text if c not in _GSM7_ALL))


def sms_size(text: str) -> SmsSize:
    """How an SMS of `text` is encoded and how many segments it is sent as (no smart encoding)."""
    if is_gsm7(text):
        encoding, single, part = "GSM-7", GSM7_SINGLE, GSM7_PART
        units = len(text) + sum(map(text.count, GSM7_EXTENSION))
    else:
        encoding, single, part = "UCS-2", UCS2_SINGLE, UCS2_PART
        # surrogatepass: a stray half of a surrogate pair counts as the one unit it is.
        units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    if units <= single:
        return SmsSize(encoding, units, 1 if units else 0)
    if units == len(text):  # every character is one unit: parts simply fill up
        return SmsSize(encoding, units, -(-units // part))
    # A character of two units (an escape pair, a surrogate pair) is never split between parts.
    if encoding == "GSM-7":
        widths = [2 if c in GSM7_EXTENSION else 1 for c in text]
    else:
        widths = [2 if ord(c) > 0xFFFF else 1 for c in text]
    segments, used = 1, 0
    for width in widths:
        if used + width > part:
            segments, used = segments + 1, 0
        used += width
    return SmsSize(encoding, units, segments)


# Letters a text-to-speech voice reads per second, by language; an estimate for warnings only.
LETTERS_PER_SECOND: dict[str, float] = {"en": 14.0, "es": 15.0, "pt": 14.0, "fr": 14.5}
DEFAULT_LETTERS_PER_SECOND = 14.0
SECONDS_PER_DIGIT = 0.45  # numbers are spoken digit by digit, "4 1 3, 5 8 7, ..."
SECONDS_PER_SENTENCE_PAUSE = 0.4
SECONDS_PER_COMMA_PAUSE = 0.15
_SENTENCE_END = re.compile(r"[.!?:;](\s|$)")

GREETING_SECONDS_WARNING = 30
MENU_SECONDS_WARNING = 45


def spoken_seconds(text: str, language: str) -> float:
    """Roughly how long a voice takes to say `text` in `language` (a code such as es or es-US)."""
    rate = LETTERS_PER_SECOND.get(language.split("-")[0].lower(), DEFAULT_LETTERS_PER_SECOND)
    digits = sum(map(str.isdigit, text))
    letters = sum(map(str.isalpha, text)) + text.count(" ")
    pauses = len(_SENTENCE_END.findall(text)) * SECONDS_PER_SENTENCE_PAUSE
    pauses += text.count(",") * SECONDS_PER_COMMA_PAUSE
    return letters / rate + digits * SECONDS_PER_DIGIT + pauses


# Checks ---------------------------------------------------------------------------------------


def check_limits(content: Content, problems: ProblemList, sources: Sources | None) -> None:
    """Say lengths, spoken durations and SMS sizes of every language."""

    def at(file: str, *keys: str) -> int | None:
        return sources.line(file, *keys) if sources else None

    _check_greeting(content, problems, sources)
    trail_lengths: dict[str, int] | None = None
    for language in content.languages:
        translation = content.translations.get(language.code)
        if translation is None:
            continue
        if language.voice:
            # One search of the tree for every menu of every language, not one per menu.
            trail_lengths = trail_lengths or _trail_lengths(content)
            _check_speech(content, problems, language, at, trail_lengths)
        _check_sms(content, problems, language.code, at)


def _check_greeting(content: Content, problems: ProblemList, sources: Sources | None) -> None:
    default = content.language(content.default_language)
    if default is None or default.code not in content.translations:
        return
    parts = [(default, "emergency")] + [(lang, "choose_language") for lang in content.languages]
    seconds = 0.0
    for lang, prompt in parts:
        translation = content.translations.get(lang.code)
        if translation is None or prompt in translation.prompt_recordings or not lang.voice:
            continue  # a recording's length is not known here
        values = voice_values(content, lang.code) | {"key": key_name(lang.key, translation.prompts)}
        text = fill(translation.prompts.get(prompt, ""), values)
        seconds += spoken_seconds(text, lang.twilio_language)
    if seconds > GREETING_SECONDS_WARNING:
        file = sources.settings_file if sources else "menus/settings.yaml"
        problems.warning(
            file,
            sources.line(file, "languages") if sources else None,
            f"the greeting takes about {seconds:.0f} seconds to say (more than "
            f"{GREETING_SECONDS_WARNING}) before a caller can choose a language",
            "shorten the emergency and choose_language prompts",
        )


def _check_speech(
    content: Content,
    problems: ProblemList,
    language: Language,
    at: LineFinder,
    trail_lengths: dict[str, int],
) -> None:
    code, voice = language.code, language.voice or ""
    translation = content.translations[code]
    limit = say_limit(voice)
    values = voice_values(content, code)
    family = voice_family(voice) or "these"

    def too_long(text: str, line: int | None, what: str) -> None:
        if len(text) > limit:
            problems.error(
                translation.file,
                line,
                f"{what} in {code} is {len(text):,} characters; {family.title()} voices say at "
                f"most {limit:,} at once",
                "shorten it, or split it into two messages",
            )

    for name, text in translation.prompts.items():
        if name not in translation.prompt_recordings:
            too_long(fill(text, values), at(translation.file, "prompts", name), f"prompt '{name}'")
    for message_id, text in translation.messages.items():
        if not text.recording:
            line = at(translation.file, "messages", message_id, "voice")
            too_long(fill(text.voice, values), line, f"message '{message_id}'")
    hints: dict[int, str] = {}
    for menu_id in content.menus:
        menu_text = translation.menus.get(menu_id)
        if menu_text is None or menu_text.recording:
            continue
        spoken = _menu_text(content, language, menu_id)
        line = at(translation.file, "menus", menu_id)
        too_long(spoken, line, f"menu '{menu_id}'")
        # Only three hints exist (depth 1, 2, deeper): say each once, not once per menu.
        depth = min(trail_lengths.get(menu_id, 0), 3)
        if depth not in hints:
            hints[depth] = _navigation_text(content, language, depth)
        hint = hints[depth]
        seconds = spoken_seconds(f"{spoken} {hint}", language.twilio_language)
        if seconds > MENU_SECONDS_WARNING:
            problems.warning(
                translation.file,
                line,
                f"menu '{menu_id}' takes about {seconds:.0f} seconds to say in {code} (more "
                f"than {MENU_SECONDS_WARNING}); callers forget the first options",
                "shorten the intro and titles, or split the menu in two",
            )


def _menu_text(content: Content, language: Language, menu_id: str) -> str:
    """The intro and options of a menu as one <Say>, as the voice channel speaks them."""
    translation = content.translations[language.code]
    menu_text = translation.menus[menu_id]
    lines = [menu_text.intro] if menu_text.intro else []
    for option in content.menus[menu_id].options:
        title = _title(content, option.target, language.code)
        key = key_name(option.key, translation.prompts)
        lines.append(fill(translation.prompts.get("option", ""), {"title": title, "key": key}))
    return " ".join(lines)


def _navigation_text(content: Content, language: Language, depth: int) -> str:
    """The navigation hint said after a menu `depth` ids down its trail, as the voice says it."""
    prompts = content.translations[language.code].prompts
    names = ["repeat"]
    if depth > 1:
        names += ["back"] if depth > 2 else []
        names += ["main_menu"]
    names += ["office"]
    return " ".join(
        fill(prompts.get(name, ""), {"key": key_name(getattr(content.keys, name), prompts)})
        for name in names
    )


def _title(content: Content, node_id: str, code: str) -> str:
    translation = content.translations[code]
    text = translation.menus.get(node_id) or translation.messages.get(node_id)
    return text.title if text else ""


def _trail_lengths(content: Content) -> dict[str, int]:
    """Ids on the shortest trail from the main menu to each reachable node, the node included."""
    lengths = {MAIN_MENU: 1}
    queue = deque([MAIN_MENU])
    while queue:
        menu = content.menus.get(queue.popleft())
        if menu is None:
            continue
        for option in menu.options:
            if option.target not in lengths:
                lengths[option.target] = lengths[menu.id] + 1
                queue.append(option.target)
    return lengths


def _check_sms(content: Content, problems: ProblemList, code: str, at: LineFinder) -> None:
    """Warn when a message's text reply (its text and the navigation line) is long to send."""
    translation = content.translations[code]
    values = text_values(content)
    sms = translation.extra.get("sms")
    navigation = sms.get("navigation") if isinstance(sms, dict) else None
    for message_id, text in translation.messages.items():
        reply = "\n\n".join(
            part for part in (text.text, navigation if isinstance(navigation, str) else "") if part
        )
        reply = fill(reply, values)
        size = sms_size(reply)
        if size.segments <= SMS_SEGMENT_WARNING:
            continue
        hint = "shorten it; long replies cost more and may arrive in pieces"
        if size.encoding == "UCS-2":
            hint += (
                f". {', '.join(non_gsm7(reply)[:5])} make it UCS-2, {UCS2_PART} characters "
                f"per segment instead of {GSM7_PART}"
            )
        field = "text" if text.text != text.voice else "voice"
        problems.warning(
            translation.file,
            at(translation.file, "messages", message_id, field),
            f"the {code} text reply for message '{message_id}' is sent as {size.describe()} "
            f"(more than {SMS_SEGMENT_WARNING})",
            hint,
        )
