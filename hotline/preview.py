"""`hotline preview`: the real app in-process, driven by the Twilio emulator, as a transcript.

The app gets a one-off auth token, so every preview request is signed and checked as Twilio's
would be. Numbers are Twilio's documented test numbers: no real person's number ever appears.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from hotline.emulator import Call, Event, SignedPoster, SmsThread
from hotline.sms.segments import sms_size
from hotline.whatsapp.address import PREFIX as WHATSAPP_PREFIX
from hotline.whatsapp.address import SMS, WHATSAPP

PUBLIC_URL = "https://hotline.preview.invalid"
HOTLINE_NUMBER = "+15005550006"
CALLER_NUMBER = "+15005550001"


def preview_app(
    menus_dir: Path | None = None,
    messages_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> tuple[Flask, str]:
    """The real app with a one-off auth token, so every preview request is signed and checked."""
    from hotline import create_app

    token = secrets.token_hex(16)
    overrides = {
        "TWILIO_AUTH_TOKEN": token,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "HOTLINE_DEV": "",
        "HOTLINE_SECRET_KEY": secrets.token_hex(32),
        **({"HOTLINE_MENUS_DIR": str(menus_dir)} if menus_dir else {}),
        **({"HOTLINE_MESSAGES_DIR": str(messages_dir)} if messages_dir else {}),
        **(extra or {}),
    }
    return create_app(overrides), token


def start_call(app: Flask, token: str) -> Call:
    """A call to the app, waiting at the greeting; EmulatorError if the app refuses it."""
    poster = SignedPoster.for_app(app, token, PUBLIC_URL)
    return Call(poster, CALLER_NUMBER, HOTLINE_NUMBER).start()


def start_text(app: Flask, token: str, channel: str = SMS) -> SmsThread:
    """A text conversation; on WhatsApp both numbers are written as Twilio does: whatsapp:+1…"""
    prefix = WHATSAPP_PREFIX if channel == WHATSAPP else ""
    poster = SignedPoster.for_app(app, token, PUBLIC_URL)
    return SmsThread(poster, prefix + CALLER_NUMBER, prefix + HOTLINE_NUMBER)


def format_event(event: Event) -> str | None:
    """One transcript line for a call event; None for what a caller does not notice."""
    match event.kind:
        case "say":
            return f"  [{event.language}] {event.text}"
        case "play":
            return f"  [recording: {event.url}]"
        case "pause":
            return f"  [pause {event.seconds} s]"
        case "gather":
            return f"  [waiting up to {event.seconds} s for a key]"
        case "key":
            return f"> key {event.text}"
        case "silence":
            return "> (no key: silence)"
        case "dial":
            shown = (
                f"showing caller ID {event.caller_id}"
                if event.caller_id
                else "showing the caller's own number"
            )
            return f"  [transfer to {event.number} {shown}]"
        case "transfer_ended":
            return f"  [the office's line: {event.text}]"
        case "rejected":
            return f"  [the line rejects the call: {event.text}]"
        case "hangup":
            return "  [hang up]"
        case "end":
            return "  [the call ends]"
        case "error":
            return f"  [problem: {event.text}]"
    return None


def format_reply(replies: list[str], channel: str = SMS) -> list[str]:
    """The replies to one text as transcript lines, each message with its size.

    WhatsApp has no segments: each <Message> is one message, so only its length is shown.
    """
    if not replies:
        return ["< (no reply)"]
    lines = []
    for number, reply in enumerate(replies, 1):
        count = f" {number} of {len(replies)}," if len(replies) > 1 else ""
        if channel == WHATSAPP:
            lines.append(f"<{count} {len(reply)} characters, one WhatsApp message:")
        else:
            size = sms_size(reply)
            lines.append(
                f"<{count} {len(reply)} characters, {size.segments} segment(s), {size.encoding}:"
            )
        lines += [f"  {line}" if line else "" for line in reply.splitlines()]
    return lines
