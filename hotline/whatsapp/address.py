"""Which channel a message came by, read from Twilio's `From` address."""

from __future__ import annotations

SMS = "sms"
WHATSAPP = "whatsapp"
# Twilio writes a WhatsApp user's address as the number behind this prefix: whatsapp:+5511…
PREFIX = "whatsapp:"


def channel_of(address: str | None) -> str:
    """'whatsapp' for a `whatsapp:+…` address, else 'sms'."""
    if address and address.lstrip()[: len(PREFIX)].lower() == PREFIX:
        return WHATSAPP
    return SMS


def number_of(address: str) -> str:
    """The phone number in an address: 'whatsapp:+14135550123' -> '+14135550123'."""
    stripped = address.strip()
    if stripped[: len(PREFIX)].lower() == PREFIX:
        return stripped[len(PREFIX) :].strip()
    return stripped
