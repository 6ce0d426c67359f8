"""Fill placeholders in prompts, for the ear (digit by digit) or for the eye (413-587-1249)."""

from __future__ import annotations

from collections.abc import Mapping

from hotline.content.model import Content


def spoken_digits(number: str) -> str:
    """Digits spaced out and grouped so a voice reads them slowly: '4 1 3, 5 8 7, 1 2 4 9'."""
    digits = [c for c in number if c.isdigit()]
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]  # a North American number is dialled without the country code
    groups = [digits[:3], digits[3:6], digits[6:]] if len(digits) == 10 else [digits]
    return ", ".join(" ".join(group) for group in groups)


def written_phone(number: str) -> str:
    """A number as people write it: +14135871249 -> 413-587-1249."""
    digits = "".join(c for c in number if c.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return number


def spoken_email(address: str, at_word: str, dot_word: str, said_as: str = "") -> str:
    """'mayor@northamptonma.gov' -> 'mayor at northamptonma dot gov' in the caller's words.

    `said_as` spaces the address out as it should be heard, "mayor @ northampton M A . gov",
    so a caller can write it down: "mayor, at, northampton M A, dot gov".
    """
    if said_as.strip():
        words = {"@": f", {at_word},", ".": f", {dot_word}"}
        return " ".join(words.get(token, token) for token in said_as.split()).replace(" ,", ",")
    local, _, domain = address.partition("@")
    return f"{local} {at_word} " + f" {dot_word} ".join(domain.split("."))


def key_name(key: str, prompts: Mapping[str, str]) -> str:
    """How a key is said: digits as themselves, * and # by their names in the language."""
    return {"*": prompts.get("key_star", "*"), "#": prompts.get("key_pound", "#")}.get(key, key)


class _Values(dict):
    """Leaves unknown placeholders as they are instead of failing a caller."""

    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def fill(template: str, values: Mapping[str, str]) -> str:
    """Substitute {placeholders}; malformed braces are left as written rather than raising."""
    try:
        # format_map parses as string.Formatter does, in C: a big tree fills tens of thousands.
        return template.format_map(_Values(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


def voice_values(content: Content, code: str) -> dict[str, str]:
    """Placeholder values for speech in one language."""
    prompts = content.translations[code].prompts
    return {
        "office_phone": spoken_digits(content.office.phone),
        "office_email": spoken_email(
            content.office.email,
            prompts.get("email_at", "at"),
            prompts.get("email_dot", "dot"),
            content.office.email_spoken,
        ),
        "emergency": " ".join(content.emergency_number),
    }


def text_values(content: Content) -> dict[str, str]:
    """Placeholder values for written text."""
    return {
        "office_phone": written_phone(content.office.phone),
        "office_email": content.office.email,
        "emergency": content.emergency_number,
    }
