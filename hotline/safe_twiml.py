"""Static TwiML for the worst case: read once at import, so it works when nothing else does."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
LAST_RESORT_VOICE = (STATIC / "fallback-voice.xml").read_text(encoding="utf-8")
LAST_RESORT_SMS = (STATIC / "fallback-sms.xml").read_text(encoding="utf-8")
