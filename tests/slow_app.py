"""An app factory for gunicorn in tests: the greeting and text replies stall for one caller."""

from __future__ import annotations

import time

from flask import Flask

from hotline import create_app as create_hotline
from hotline.sms import views as sms_views
from hotline.voice import views as voice_views
from tests.twilio_sim import CANARY_CALLER

# Longer than the test's ANSWERED_WITHIN, so only the watchdog can answer in time.
STALL_SECONDS = 2.0


def _stalls_for_the_canary(check):
    """Wrap a webhook's first step (its limit check), which is given the caller's number."""

    def stalling(limits, caller, *rest):
        if caller == CANARY_CALLER:
            time.sleep(STALL_SECONDS)
        return check(limits, caller, *rest)

    return stalling


def create_app() -> Flask:
    """The hotline, with the canary caller's greeting and text replies STALL_SECONDS late."""
    voice_views.call_allowed = _stalls_for_the_canary(voice_views.call_allowed)
    sms_views.sms_verdict = _stalls_for_the_canary(sms_views.sms_verdict)
    return create_hotline()
