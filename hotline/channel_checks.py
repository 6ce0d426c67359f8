"""The checks each channel adds to `hotline check`: they measure what the channel really sends.

hotline.content.validate runs these after its own checks. They live with their channels (voice,
sms), which render content, so the content package itself depends on no channel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from hotline.sms import checks as sms_checks
from hotline.voice import checks as voice_checks

if TYPE_CHECKING:
    from hotline.content.model import Content
    from hotline.content.problems import ProblemList
    from hotline.content.validate import Sources

Check = Callable[["Content", "ProblemList", "Sources | None"], None]

CHANNEL_CHECKS: tuple[Check, ...] = (*voice_checks.CHECKS, *sms_checks.CHECKS)
