"""The one pattern of a phone number in E.164 form, as Twilio writes them: '+', then 7-15 digits.

Used wherever a number is checked: the office's number in the content, the hotline's own number
as a transfer's caller ID, a caller's number before it is keyed for a limit.
"""

from __future__ import annotations

import re

# ITU-T E.164: a country code (never starting with 0) and at most 15 digits in all; the shortest
# numbers in use (Niue, Saint Helena) have 7.
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def is_e164(text: str | None) -> bool:
    return bool(text) and E164.match(text or "") is not None
