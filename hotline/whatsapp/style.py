"""How WhatsApp shows a reply: bold headings, a tappable number, one message up to Twilio's limit.

WhatsApp has no segments: a body is one message whatever its alphabet. Twilio still refuses a
body longer than 1,600 characters on every channel (error 21617; the `twilio/text` content type
lists WhatsApp with the same 1,600), although Meta's own limit is 4,096, so a reply is one
message up to 1,600 characters and is cut only where a reader would pause beyond that.
"""

from __future__ import annotations

import re

from hotline.content.schema import MESSAGE_BODY_LIMIT

# Twilio's limit for one message body, WhatsApp included (see the module's docstring).
MAX_BODY = MESSAGE_BODY_LIMIT
# WhatsApp's own markup characters: a title holding one would turn bold off or strike it out.
_MARKUP = re.compile(r"[*_~`]")


def bold(text: str) -> str:
    """WhatsApp's bold, `*…*`; the stars must touch the words, so spaces stay outside."""
    plain = _MARKUP.sub("", text).strip()
    return f"*{plain}*" if plain else ""


def international_phone(number: str) -> str:
    """'+14135871249' -> '+1 413-587-1249': WhatsApp makes it a link that dials from abroad too."""
    digits = "".join(c for c in number if c.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return f"+1 {digits[1:4]}-{digits[4:7]}-{digits[7:]}"
    if len(digits) == 10:
        return f"+1 {digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return f"+{digits}" if digits else number
