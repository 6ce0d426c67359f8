"""The checks each channel adds to `hotline check`: they measure what the channel really sends.

hotline.content.validate runs these after its own checks: `register` hands them over, and
hotline/__init__.py calls it when the package is imported, before any content is loaded. They
live with their channels (voice, sms), which render content, so the content package itself
depends on no channel.
"""

from __future__ import annotations

from hotline.content.validate import Check, add_channel_advice, add_channel_checks
from hotline.sms import checks as sms_checks
from hotline.sms.validate import validate_sms
from hotline.voice import checks as voice_checks

CHANNEL_CHECKS: tuple[Check, ...] = (validate_sms, *voice_checks.CHECKS)
# Checks that only warn, left out when the server loads content (hotline.content.validate).
CHANNEL_ADVICE: tuple[Check, ...] = (*voice_checks.ADVICE, *sms_checks.ADVICE)


def register() -> None:
    add_channel_checks(*CHANNEL_CHECKS)
    add_channel_advice(*CHANNEL_ADVICE)
