"""The content schema, as data: every field staff may write, what it holds, and its placeholders.

The loader checks files against these tables, the editor's guide documents every entry, and a
test fails when a field is not documented there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hotline.phone import E164


@dataclass(frozen=True)
class Field:
    kind: type | tuple[type, ...]
    required: bool
    doc: str
    # Value rules, checked by the loader and shown in the guide: a range for numbers (with the
    # value used when the field is left out), a pattern for texts with its rule in words.
    low: int | None = None
    high: int | None = None
    default: int | None = None
    pattern: re.Pattern[str] | None = None
    rule: str = ""

    def describe_rule(self) -> str:
        """The value rule in words for the guide, such as '1 to 10 (3 if left out)'."""
        if self.low is not None and self.high is not None:
            default = f" ({self.default} if left out)" if self.default is not None else ""
            return f"{self.low} to {self.high}{default}"
        return self.rule


# Patterns, one place for each: the loader checks them and the guide names them.
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEY_PATTERN = re.compile(r"^[0-9*#]$")
E164_PATTERN = E164
HOURS_PATTERN = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")
DIGITS_PATTERN = re.compile(r"^[0-9]+$")
# Twilio takes at most this many characters in one message body, on every channel (error 21617).
MESSAGE_BODY_LIMIT = 1600
KEY_RULE = "one phone key: 0-9, or * or # in quotes"

TEXT = str
NUMBER = int
FLAG = bool
MAPPING = dict
LIST = list

SETTINGS_FIELDS: dict[str, Field] = {
    "default_language": Field(TEXT, True, "Language code used when no language is chosen yet."),
    "emergency_number": Field(
        TEXT,
        True,
        "The emergency number callers are told to dial.",
        pattern=DIGITS_PATTERN,
        rule="digits only, such as 911",
    ),
    "office": Field(MAPPING, True, "The Mayor's office: number, email, hours, transfer."),
    "keys": Field(MAPPING, True, "Navigation keys that work in every menu."),
    "voice": Field(MAPPING, False, "How long to wait for a key and how often to ask again."),
    "languages": Field(MAPPING, True, "One entry per language: its key and Twilio voice."),
    "targets": Field(MAPPING, False, "What `hotline check` warns past (see TARGETS_FIELDS)."),
}

TARGETS_FIELDS: dict[str, Field] = {
    "caller_seconds": Field(
        NUMBER,
        False,
        "Most seconds from the start of a call until a message's answer is heard, pressing "
        "each key as soon as it is named.",
        low=5,
        high=300,
        default=40,
    ),
    "sms_segments": Field(
        NUMBER, False, "Most SMS segments any one text reply may take.", low=1, high=10, default=3
    ),
    "reading_grade": Field(
        NUMBER,
        False,
        "Highest school grade a message may need to be read easily.",
        low=1,
        high=20,
        default=8,
    ),
}

OFFICE_FIELDS: dict[str, Field] = {
    "phone": Field(
        TEXT,
        True,
        "The office number in E.164 form, such as +14135871249.",
        pattern=E164_PATTERN,
        rule="+, the country code and the number, 8 to 15 digits, no spaces",
    ),
    "email": Field(TEXT, True, "The office email address."),
    "email_spoken": Field(
        TEXT,
        False,
        "The email as callers should hear it, with @ and . where the language's words for them "
        'go: "mayor @ northampton M A . gov". Without it the address is read as written.',
    ),
    "show_caller_number": Field(
        FLAG,
        False,
        "false (default): the office sees the hotline's number on a transfer, never the "
        "caller's. true shows the caller's own number; only with the caller's knowledge.",
    ),
    "dial_timeout": Field(
        NUMBER, False, "Seconds to ring the office before giving up.", low=5, high=60, default=20
    ),
    "hours": Field(
        MAPPING, False, "Optional opening hours; outside them callers get the hours and email."
    ),
}

HOURS_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HOURS_FIELDS: dict[str, Field] = {
    "timezone": Field(TEXT, True, "An IANA time zone, such as America/New_York."),
    **{
        day: Field(
            TEXT,
            False,
            f'Opening hours on {day.title()}, such as "09:00-17:00".',
            pattern=HOURS_PATTERN,
            rule="HH:MM-HH:MM on a 24-hour clock, opening before closing",
        )
        for day in HOURS_DAYS
    },
}

KEYS_FIELDS: dict[str, Field] = {
    name: Field(TEXT, True, doc, pattern=KEY_PATTERN, rule=KEY_RULE)
    for name, doc in (
        ("office", "Connects to the Mayor's office from any menu (0)."),
        ("repeat", "Says the current menu or message again (*)."),
        ("back", "Goes back to the previous menu (#)."),
        ("main_menu", "Goes to the main menu (9)."),
    )
}

VOICE_FIELDS: dict[str, Field] = {
    "tries": Field(
        NUMBER, False, "How many times a menu is asked before goodbye.", low=1, high=10, default=3
    ),
    "wait_seconds": Field(
        NUMBER, False, "Seconds to wait for a key press.", low=1, high=30, default=6
    ),
}

LANGUAGE_FIELDS: dict[str, Field] = {
    "key": Field(
        TEXT,
        True,
        "The key that chooses this language in the greeting.",
        pattern=KEY_PATTERN,
        rule=KEY_RULE,
    ),
    "twilio_language": Field(TEXT, True, "Twilio's language tag for <Say>, such as es-US."),
    "voice": Field(
        (TEXT, type(None)),
        False,
        "Twilio voice, such as Polly.Lupe-Neural. Leave out for a language Twilio cannot "
        "speak; every prompt, menu and message then needs a recording.",
    ),
    "words_per_minute": Field(
        NUMBER,
        False,
        "How fast its voice speaks, for caller time (150 if left out; 165 for es and pt).",
        low=60,
        high=300,
    ),
}

TREE_FIELDS: dict[str, Field] = {
    "menus": Field(MAPPING, True, "Menus by id; each has numbered options."),
    "messages": Field(MAPPING, True, "Messages by id; each names its source and date."),
}

MENU_FIELDS: dict[str, Field] = {
    "options": Field(MAPPING, True, "Key -> id of a menu or message, such as `1: police`."),
}

MESSAGE_FIELDS: dict[str, Field] = {
    "source": Field(
        TEXT,
        True,
        "What it summarises: a source id from sources/ and its paragraphs, such as "
        "statement-2026-02 ¶7, ¶9; a named part (statement-2026-02 contact); or a source id "
        "alone for a whole document. Several sources: separate them with ;.",
    ),
    "date": Field(TEXT, True, "The date of the source, such as 2026-02-05."),
}

TRANSLATION_FIELDS: dict[str, Field] = {
    "language": Field(TEXT, True, "The language code; must match the file name."),
    "name": Field(TEXT, True, "The language's name in itself, such as Español."),
    "prompts": Field(MAPPING, True, "The fixed sentences of the line (see the prompt table)."),
    "recordings": Field(MAPPING, False, "Prompt name -> recording URL, played instead of <Say>."),
    "menus": Field(MAPPING, True, "Menu id -> title and intro in this language."),
    "messages": Field(MAPPING, True, "Message id -> title, spoken and text versions."),
    "sms": Field(MAPPING, True, "Text-message sentences and words (see the SMS table)."),
}

MENU_TEXT_FIELDS: dict[str, Field] = {
    "title": Field(TEXT, True, "Name of the menu as an option: 'For <title>, press 1.'"),
    "intro": Field(TEXT, False, "Said before the options."),
    "recording": Field(TEXT, False, "Recording URL played instead of the intro and options."),
    "words": Field(LIST, False, "Words a texter can send to open this menu."),
}

MESSAGE_TEXT_FIELDS: dict[str, Field] = {
    "title": Field(TEXT, True, "Name of the message as an option."),
    "voice": Field(TEXT, True, "What callers hear: numbers written for speech."),
    "text": Field(TEXT, False, "What texters read, if different from the spoken version."),
    "whatsapp": Field(TEXT, False, "What WhatsApp users read, if different from the text."),
    "recording": Field(TEXT, False, "Recording URL played instead of the spoken text."),
    "words": Field(LIST, False, "Words a texter can send to open this message."),
    "approved": Field(
        MAPPING,
        False,
        "Who approved this text and when, with the fingerprint `hotline review` prints for it.",
    ),
}

APPROVAL_FIELDS: dict[str, Field] = {
    "by": Field(TEXT, True, "The name (and role) of the person who approved the text."),
    "date": Field(TEXT, True, "The day of the approval, such as 2026-12-02."),
    "fingerprint": Field(
        MAPPING,
        True,
        "As printed on the review sheet: `text:` (this language's text), `english:` (the text "
        "it translates; not in the source language) and `source:` (the cited paragraphs).",
    ),
}

# A message's review state, worked out from its approval; a language is reviewed when all its
# messages are approved.
MESSAGE_REVIEW_STATES = ("draft", "approved", "stale")
LANGUAGE_REVIEW_STATES = ("draft", "reviewed")

# A file in sources/: one document the summaries are written from. Its id is the file name.
SOURCE_FIELDS: dict[str, Field] = {
    "title": Field(TEXT, True, "The document's title, as published."),
    "date": Field(TEXT, False, "The date it was published, such as 2026-02-05."),
    "published": Field(TEXT, True, "Where and how it was published, such as a press release."),
    "signed_by": Field(LIST, False, "Who signed it, one name and role per entry."),
    "url": Field(TEXT, False, "Its public address, if it has one."),
    "paragraphs": Field(
        MAPPING,
        False,
        "The body, word for word, one entry per paragraph: `1: Northampton is ...`; cited as ¶1.",
    ),
    "parts": Field(
        MAPPING, False, "Other passages by name, such as `contact:`; cited by that name."
    ),
    "document": Field(
        TEXT,
        False,
        "Instead of paragraphs: a file beside sources/ that is the source, such as PRIVACY.md.",
    ),
}

# Placeholders staff may use, filled in when the line speaks or texts.
PLACEHOLDERS: dict[str, str] = {
    "key": "the key to press (spoken as its name, such as 'star').",
    "title": "the title of a menu or message.",
    "office_phone": "the office number, spoken digit by digit or written 413-587-1249.",
    "office_email": "the office email, spoken as 'mayor at ... dot gov' or written.",
    "emergency": "the emergency number, spoken digit by digit.",
}

# Prompts every language must have, with the placeholders each one may use.
PROMPTS: dict[str, tuple[str, frozenset[str]]] = {
    "emergency": ("First words of every call.", frozenset({"emergency"})),
    "choose_language": ("This language's line in the greeting.", frozenset({"key"})),
    "option": ("One menu option.", frozenset({"title", "key"})),
    "repeat": ("How to hear the menu or message again.", frozenset({"key"})),
    "back": ("How to go back.", frozenset({"key"})),
    "main_menu": ("How to reach the main menu.", frozenset({"key"})),
    "office": (
        "How to reach the Mayor's office; said first in the main menu, last in the others.",
        frozenset({"key"}),
    ),
    "office_details": (
        "After the office key: how to be connected (the same key again), the number twice, "
        "the email.",
        frozenset({"key", "office_phone", "office_email"}),
    ),
    "not_an_option": ("After a key that is not an option.", frozenset()),
    "goodbye": (
        "After too many tries with no choice; gives the office's number.",
        frozenset({"office_phone", "office_email", "emergency"}),
    ),
    "connecting": ("Before the transfer to the office.", frozenset()),
    "number_hidden": (
        "Before the transfer, unless show_caller_number is set: the office will not see the "
        "caller's number.",
        frozenset(),
    ),
    "office_unavailable": (
        "When the office is busy or does not answer.",
        frozenset({"office_phone", "office_email"}),
    ),
    "office_closed": (
        "Outside office hours; says the hours.",
        frozenset({"office_phone", "office_email"}),
    ),
    "office_hours": ("The office hours in words (needed when hours are set).", frozenset()),
    "call_ended": ("After the call with the office ends.", frozenset()),
    "problem": (
        "When something went wrong on our side.",
        frozenset({"office_phone", "office_email", "emergency"}),
    ),
    "key_star": ("The name of the * key, such as 'star'.", frozenset()),
    "key_pound": ("The name of the # key, such as 'pound'.", frozenset()),
    "email_at": ("The word for @ in a spoken email address.", frozenset()),
    "email_dot": ("The word for . in a spoken email address.", frozenset()),
}

# Prompts a language may leave out: office_hours is only needed when office hours are set.
OPTIONAL_PROMPTS = frozenset({"office_hours"})

# Prompts heard as sentences on a call; a language with no Twilio voice records each of them.
# ("option" is not here: such a language records each menu whole, options included.)
SPOKEN_PROMPTS = frozenset(
    {
        "emergency",
        "choose_language",
        "repeat",
        "back",
        "main_menu",
        "office",
        "office_details",
        "not_an_option",
        "goodbye",
        "connecting",
        "number_hidden",
        "office_unavailable",
        "office_closed",
        "office_hours",
        "call_ended",
        "problem",
    }
)

# The `sms:` section of a language file: sentences for text messages, written for reading
# (no "press", numbers as 413-587-1249), and the words texters may send.
SMS_FIELDS: dict[str, Field] = {
    "welcome": Field(TEXT, True, "First reply of a conversation: what this line is, 911."),
    "emergency": Field(
        TEXT,
        False,
        "The 911 line before the answer to a first text that asks for something (else welcome).",
    ),
    "switch": Field(TEXT, True, "This language's entry in the language list, e.g. 'Español: ES'."),
    "option": Field(TEXT, True, "One numbered line of a menu, such as '{key}. {title}'."),
    "navigation": Field(TEXT, True, "Below every menu and message: how to use MENU, BACK, HELP."),
    "more": Field(
        TEXT,
        False,
        "After the answer to a first text: how to see the menu, such as 'Send MENU for more.' "
        "(else navigation).",
    ),
    "not_understood": Field(TEXT, True, "Before the menu again, after a reply we do not know."),
    "help": Field(TEXT, True, "Reply to HELP: what the line is, office, 911, how to stop."),
    "office": Field(
        TEXT, False, "Reply to 0 or an office word: the office's number and email (else help)."
    ),
    "problem": Field(
        TEXT, False, "When something went wrong on our side: 911 and the office (else help)."
    ),
    "paused": Field(
        TEXT,
        False,
        "The one notice to a sender past the hourly text limit: 911 and the office (else problem).",
    ),
    "stopped": Field(
        TEXT,
        False,
        "WhatsApp only: the reply to STOP, that nothing more will come (Twilio confirms SMS "
        "opt-outs itself). Sent in every language that has one; without any, STOP gets no reply.",
    ),
    "words": Field(MAPPING, True, "Words texters may send, by meaning (see SMS_WORDS)."),
}

# Optional sentences, and the required one each falls back to (help has the office and 911).
SMS_FALLBACKS = {
    "office": "help",
    "problem": "help",
    "paused": "problem",
    "emergency": "welcome",
    "more": "navigation",
}

SMS_PROMPTS: dict[str, frozenset[str]] = {
    "welcome": frozenset({"emergency", "office_phone", "office_email"}),
    "emergency": frozenset({"emergency"}),
    "switch": frozenset(),
    "option": frozenset({"key", "title"}),
    "navigation": frozenset(),
    "more": frozenset(),
    "not_understood": frozenset(),
    "help": frozenset({"emergency", "office_phone", "office_email"}),
    "office": frozenset({"office_phone", "office_email"}),
    "problem": frozenset({"emergency", "office_phone", "office_email"}),
    "paused": frozenset({"emergency", "office_phone", "office_email"}),
    "stopped": frozenset({"emergency", "office_phone", "office_email"}),
}

# Placeholders an sms sentence must use: the 911 notice must never be edited out by accident.
SMS_REQUIRED_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "welcome": frozenset({"emergency"}),
    "emergency": frozenset({"emergency"}),
    "help": frozenset({"emergency", "office_phone"}),
    "problem": frozenset({"emergency", "office_phone"}),
    "paused": frozenset({"emergency", "office_phone"}),
}

# The meaning whose words choose a language: every language must list some.
LANGUAGE_WORDS = "language"
# Meanings of words a texter may send in any language, with what each does.
SMS_WORDS: dict[str, str] = {
    "language": "Switches the conversation to this language (ES, ESPAÑOL, SPANISH...).",
    "menu": "Goes to the main menu (MENU, MENÚ...).",
    "back": "Goes back to the previous menu (BACK, VOLVER, VOLTAR...).",
    "help": "Says what the line is, how to reach the office, and how to stop (HELP, AYUDA...).",
    "office": "Gives the office's number and email (MAYOR, OFFICE, ALCALDESA...).",
}
