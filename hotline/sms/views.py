"""The SMS webhook: read the cookie, call the renderer, keep the cookie.

Nothing a texter sends (body, numbers, message SID) is logged, stored or echoed. POST only: with
GET, Twilio would put the texter's words in the URL, and so in access logs.
"""

from __future__ import annotations

import functools

from flask import Response, request
from twilio.twiml.messaging_response import MessagingResponse

from hotline import services, webhook
from hotline.limits import Verdict
from hotline.limits.web import sms_verdict
from hotline.metrics.record import conversation_item, usage
from hotline.safe_twiml import LAST_RESORT_SMS
from hotline.sms.channel import channel_for
from hotline.sms.render import SmsRenderer
from hotline.sms.session import Conversation
from hotline.webhook import TwilioBlueprint, twiml

NO_REPLY = str(MessagingResponse())


def _renderer() -> SmsRenderer:
    """The renderer of the channel the message came by (SMS, or WhatsApp's `whatsapp:+…`)."""
    channel = channel_for(request.form.get("From"))
    build = functools.partial(SmsRenderer, channel=channel)
    return services.current().store.derived(channel.name, build)


def _conversation(renderer: SmsRenderer) -> Conversation | None:
    return services.current().cookies.read(request.headers.get("Cookie", ""), renderer.content)


def safe_reply() -> Response:
    """Whatever broke, the texter reads the 911 notice and how to reach the office."""
    renderer = _renderer()
    conversation = _conversation(renderer)
    return twiml(renderer.safe_reply(conversation.language if conversation else None))


bp = TwilioBlueprint(
    "sms",
    __name__,
    url_prefix="/sms",
    static_document=LAST_RESORT_SMS,
    safe_reply=safe_reply,
    label="SMS",
)


@bp.post("")
def incoming_text() -> Response:
    shared = services.current()
    form = request.form
    renderer = _renderer()
    channel = renderer.channel.name
    conversation = _conversation(renderer)
    # The reply is worked out first (it is pure), so the limits and the usage count are one
    # step in the store: one round trip with Redis.
    reply = renderer.reply(conversation, form.get("Body", ""))
    sid = form.get("MessageSid")
    verdict, _ = sms_verdict(
        shared.limits,
        form.get("From"),
        f"sms\x00{sid}" if sid else webhook.replay(),
        under_way=conversation is not None,
        replied=usage(shared, channel, *conversation_item(reply.conversation)),
        refused=lambda reason: usage(shared, channel, None, reason),
        simulated=webhook.simulated(),
    )
    if verdict is not Verdict.REPLY:
        # Past a limit or from abroad: one short notice at most, so abuse costs the city little.
        language = conversation.language if conversation else None
        if verdict is Verdict.NOTICE:
            return twiml(renderer.paused(language))
        if verdict is Verdict.SAFE_NOTICE:
            return twiml(renderer.safe_reply(language))
        return twiml(NO_REPLY)
    response = twiml(reply.document)
    response.headers.add("Set-Cookie", shared.cookies.set_cookie(reply.conversation))
    return response


@bp.post("/fallback")
def fallback() -> Response:
    """The same document as static/fallback-sms.xml, for Twilio's fallback URL."""
    return twiml(LAST_RESORT_SMS)
