"""An app factory for gunicorn in tests: the greeting and text replies stall for one caller."""

from __future__ import annotations

import time

from flask import Flask, request

from hotline import create_app as create_hotline
from hotline.sms.render import SmsRenderer
from hotline.voice.twiml import VoiceRenderer
from tests.twilio_sim import CANARY_CALLER

# Longer than the test's ANSWERED_WITHIN, so only the watchdog can answer in time.
STALL_SECONDS = 2.0


def _stalls_for_the_canary(method):
    def stalling(*args, **kwargs):
        if request.values.get("From") == CANARY_CALLER:
            time.sleep(STALL_SECONDS)
        return method(*args, **kwargs)

    return stalling


def create_app() -> Flask:
    """The hotline, with the canary caller's greeting and text replies STALL_SECONDS late."""
    VoiceRenderer.greeting = _stalls_for_the_canary(VoiceRenderer.greeting)
    SmsRenderer.reply = _stalls_for_the_canary(SmsRenderer.reply)
    return create_hotline()
