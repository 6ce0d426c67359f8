"""The text channels, SMS and WhatsApp: one conversation, two ways of showing each reply.

The SMS renderer decides what a reply says; a channel decides only how it looks and where it is
cut: SMS writes plain text split for Twilio's limit and the office as 413-587-1249; WhatsApp
puts headings in its bold, writes the office as a tappable +1 413-587-1249, prefers a message's
`whatsapp:` text where a language has one, and works without a conversation cookie: options are
numbered with codes that need no memory (hotline.whatsapp.codes), and HELP is answered even when
nothing says where the sender was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hotline.content.model import Content, MessageText
from hotline.navigation import Trail
from hotline.sms.split import split_text
from hotline.whatsapp import address, codes, style
from hotline.wording import text_values


@dataclass(frozen=True)
class TextChannel:
    # The channel's name in usage counts and renderer caches.
    name: str
    # How a menu's heading and a message's title are shown; None shows no title for a message.
    heading: Callable[[str], str]
    message_title: Callable[[str], str] | None
    # The office's number as this channel writes it.
    phone: Callable[[str], str] | None
    # True when the channel may keep no conversation (Twilio documents its cookie for SMS only):
    # options are numbered by codes from the greeting, and HELP needs no conversation.
    stateless: bool
    # Cuts a reply into the bodies of its <Message>s.
    split: Callable[[str], list[str]]
    # True when the line itself confirms an opt-out: Twilio confirms STOP by SMS, not WhatsApp.
    confirms_stop: bool = False

    def values(self, content: Content) -> dict[str, str]:
        """Placeholder values for this channel's text."""
        values = text_values(content)
        if self.phone is not None:
            values["office_phone"] = self.phone(content.office.phone)
        return values

    def text(self, message: MessageText) -> str:
        """A message's text for this channel: its `whatsapp:` text where it has one."""
        if self.name == address.WHATSAPP and message.whatsapp:
            return message.whatsapp
        return message.text

    def option_key(self, content: Content, language: str, trail: Trail, key: str) -> str:
        return codes.code_for(content, language, trail, key) if self.stateless else key


def _whatsapp_split(text: str) -> list[str]:
    return split_text(text, style.MAX_BODY)


SMS = TextChannel(
    name=address.SMS,
    heading=lambda text: text,
    message_title=None,
    phone=None,
    stateless=False,
    split=split_text,
)
WHATSAPP = TextChannel(
    name=address.WHATSAPP,
    heading=style.bold,
    message_title=style.bold,
    phone=style.international_phone,
    stateless=True,
    split=_whatsapp_split,
    confirms_stop=True,
)


def channel_for(sender: str | None) -> TextChannel:
    """The channel a message came by, from its `From` address."""
    return WHATSAPP if address.channel_of(sender) == address.WHATSAPP else SMS
