"""The immutable content model: the menu tree, its texts in each language, and line settings.

Everything here is built once when content loads and never changed afterwards, so request
handlers can share it between threads and cache what they render from it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

MAIN_MENU = "main"


@dataclass(frozen=True)
class Language:
    code: str
    key: str
    twilio_language: str
    # None for a language Twilio cannot speak: it is then served from recordings only.
    voice: str | None
    # How fast its voice speaks, for caller time (hotline.voice.caller_time).
    words_per_minute: int = 150


@dataclass(frozen=True)
class DayHours:
    opens: dt.time
    closes: dt.time


@dataclass(frozen=True)
class OfficeHours:
    timezone: str
    # Indexed by weekday (0 = Monday); a missing day means closed all day.
    days: Mapping[int, DayHours]

    def is_open(self, now: dt.datetime) -> bool:
        from zoneinfo import ZoneInfo

        local = now.astimezone(ZoneInfo(self.timezone))
        hours = self.days.get(local.weekday())
        return hours is not None and hours.opens <= local.time() < hours.closes


@dataclass(frozen=True)
class Office:
    phone: str
    email: str
    show_caller_number: bool
    dial_timeout: int
    hours: OfficeHours | None
    # How the email is said, "mayor @ northampton M A . gov"; "" reads the address as written.
    email_spoken: str = ""


@dataclass(frozen=True)
class Keys:
    """Navigation keys that work in every menu."""

    office: str
    repeat: str
    back: str
    main_menu: str

    def all(self) -> tuple[str, ...]:
        return (self.office, self.repeat, self.back, self.main_menu)


@dataclass(frozen=True)
class VoiceSettings:
    tries: int
    wait_seconds: int


@dataclass(frozen=True)
class Targets:
    """What `hotline check` warns past (settings.yaml `targets:`)."""

    caller_seconds: int = 40  # from the start of a call until a message's answer is heard
    sms_segments: int = 3  # segments of any one text reply
    reading_grade: int = 8  # school grade needed to read a message


@dataclass(frozen=True)
class Option:
    key: str
    target: str
    line: int


@dataclass(frozen=True)
class Menu:
    id: str
    options: tuple[Option, ...]
    file: str
    line: int

    def target_for(self, key: str) -> str | None:
        for option in self.options:
            if option.key == key:
                return option.target
        return None


@dataclass(frozen=True)
class Citation:
    """Passages of one source that a message summarises: `statement-2026-02 ¶7, ¶9`."""

    source: str
    # Labels such as "¶7" or "contact"; empty when the message cites the whole source.
    passages: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join([self.source, ", ".join(self.passages)]).strip()


@dataclass(frozen=True)
class Source:
    """A document the summaries are written from, from one file in sources/."""

    id: str
    title: str
    date: dt.date | None
    published: str
    signed_by: tuple[str, ...]
    url: str
    # Label ("¶1", "contact") -> text, in the source's order.
    passages: Mapping[str, str]
    # A file of the content's own repository that is the source as a whole (such as PRIVACY.md),
    # and its text when it was loaded.
    document: str | None
    document_text: str
    file: str
    line: int

    def text(self, citation: Citation) -> str:
        """The cited text: the passages one per line, or the whole document."""
        if not citation.passages:
            return self.document_text or "\n".join(self.passages.values())
        return "\n".join(self.passages.get(label, "") for label in citation.passages)


@dataclass(frozen=True)
class Message:
    id: str
    source: str
    date: dt.date
    file: str
    line: int
    # `source` read as citations; empty when it could not be read (reported as an error).
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class MenuText:
    title: str
    intro: str
    recording: str | None
    words: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Approval:
    """A person's sign-off on one message in one language, as written under `approved:`."""

    by: str
    date: dt.date
    # Part ("text", "english", "source") -> the fingerprint of that part when it was approved.
    fingerprint: Mapping[str, str]
    line: int


@dataclass(frozen=True)
class MessageText:
    title: str
    voice: str
    text: str
    recording: str | None
    words: tuple[str, ...]
    line: int
    approval: Approval | None = None
    # Worked out from the approval when content loads: draft, approved or stale.
    review: str = "draft"
    # The parts that changed since the approval, when it is stale ("text", "english", "source").
    changed: tuple[str, ...] = ()
    # WhatsApp's text where a language needs one (what Meta sees, say); else `text` is used.
    whatsapp: str = ""


@dataclass(frozen=True)
class SmsTexts:
    """A language's `sms:` section, typed: its sentences as written, and the words texters send.

    Only sentences written as text are here; `sentence` resolves an optional one to the
    sentence it falls back to (schema.SMS_FALLBACKS).
    """

    sentences: Mapping[str, str]
    # Meaning (schema.SMS_WORDS) -> the words listed for it, as written.
    words: Mapping[str, tuple[str, ...]]
    fallbacks: Mapping[str, str]
    # Lines in the language file: of the section, and of each meaning's list of words.
    line: int = 0
    word_lines: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def sentence(self, name: str) -> str:
        """The sentence `name` as written, or the one it falls back to; '' if neither."""
        text = self.sentences.get(name, "")
        if not text.strip() and name in self.fallbacks:
            return self.sentence(self.fallbacks[name])
        return text


@dataclass(frozen=True)
class Translation:
    """Every text of one language, from one file in messages/."""

    code: str
    name: str
    # reviewed when every message has an approval that still holds, else draft.
    review: str
    file: str
    prompts: Mapping[str, str]
    prompt_lines: Mapping[str, int]
    prompt_recordings: Mapping[str, str]
    menus: Mapping[str, MenuText]
    messages: Mapping[str, MessageText]
    sms: SmsTexts = field(
        default_factory=lambda: SmsTexts(MappingProxyType({}), MappingProxyType({}), {})
    )


@dataclass(frozen=True)
class Edge:
    """One option of a menu: pressing `key` in `menu` leads to `target`."""

    menu: str
    key: str
    target: str


@dataclass(frozen=True)
class TreeWalk:
    """The tree walked once from the main menu, breadth first: what every check and view needs.

    Built once per content version (`Content.walk`), so the checks, the map, the SMS renderer
    and the console agree on depth, trails and reachability.
    """

    # Node id -> the ids from the main menu to it, both included: the shortest way there.
    trails: Mapping[str, tuple[str, ...]]
    # Every option of every reachable menu, breadth first, in the menus' own order.
    edges: tuple[Edge, ...]

    @classmethod
    def of(cls, menus: Mapping[str, Menu]) -> TreeWalk:
        trails: dict[str, tuple[str, ...]] = {MAIN_MENU: (MAIN_MENU,)}
        edges: list[Edge] = []
        queue = deque([MAIN_MENU])
        while queue:
            menu = menus.get(queue.popleft())
            if menu is None:
                continue
            for option in menu.options:
                edges.append(Edge(menu.id, option.key, option.target))
                if option.target not in trails:
                    trails[option.target] = (*trails[menu.id], option.target)
                    queue.append(option.target)
        return cls(MappingProxyType(trails), tuple(edges))

    @property
    def order(self) -> tuple[str, ...]:
        """Every reachable node once, breadth first from the main menu."""
        return tuple(self.trails)

    @functools.cached_property
    def preorder(self) -> tuple[str, ...]:
        """Every reachable node once, depth first in key order: as a map of the tree lists them."""
        order: list[str] = []
        stack = [MAIN_MENU]
        while stack:
            node_id = stack.pop()
            order.append(node_id)
            below = [
                edge.target
                for edge in self.options(node_id)
                if self.trails[edge.target][:-1] == self.trails[node_id]
            ]
            stack.extend(reversed(list(dict.fromkeys(below))))
        return tuple(order)

    def reachable(self, node_id: str) -> bool:
        return node_id in self.trails

    def depth(self, node_id: str) -> int | None:
        """Key presses from the main menu to the node; None when it cannot be reached."""
        trail = self.trails.get(node_id)
        return None if trail is None else len(trail) - 1

    def options(self, menu_id: str) -> tuple[Edge, ...]:
        return tuple(edge for edge in self.edges if edge.menu == menu_id)


@dataclass(frozen=True)
class Content:
    version: str
    default_language: str
    emergency_number: str
    languages: tuple[Language, ...]
    office: Office
    keys: Keys
    voice: VoiceSettings
    menus: Mapping[str, Menu]
    messages: Mapping[str, Message]
    translations: Mapping[str, Translation]
    sources: Mapping[str, Source] = field(default_factory=lambda: MappingProxyType({}))
    targets: Targets = Targets()

    @functools.cached_property
    def walk(self) -> TreeWalk:
        """The tree walked once from the main menu (cached: the content never changes)."""
        return TreeWalk.of(self.menus)

    def language(self, code: str) -> Language | None:
        for language in self.languages:
            if language.code == code:
                return language
        return None

    def language_for_key(self, key: str) -> Language | None:
        for language in self.languages:
            if language.key == key:
                return language
        return None

    def title(self, node_id: str, code: str) -> str:
        translation = self.translations[code]
        if node_id in translation.menus:
            return translation.menus[node_id].title
        return translation.messages[node_id].title

    def cited(self, message_id: str) -> list[tuple[Source, Citation]]:
        """The sources a message cites, with what it cites of each (unknown sources left out)."""
        message = self.messages[message_id]
        return [
            (self.sources[citation.source], citation)
            for citation in message.citations
            if citation.source in self.sources
        ]
