"""How many SMS segments a text is sent as: GSM-7 or UCS-2, single or joined parts."""

from __future__ import annotations

from dataclasses import dataclass

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

# Most segments a reply should take before staff are warned, unless settings.yaml sets another
# budget (targets: sms_segments): carriers may deliver the parts of a long reply late.
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
