"""The SMS webhook: read the cookie, call the renderer, keep the cookie.

Nothing a texter sends (body, numbers, message SID) is logged, stored or echoed. POST only: with
GET, Twilio would put the texter's words in the URL, and so in access logs.
"""

from __future__ import annotations

import functools

from twilio.twiml.messaging_response import MessagingResponse

from hotline.limits import Verdict
from hotline.limits.web import sms_verdict
from hotline.metrics.record import conversation_item, count
from hotline.safe_twiml import LAST_RESORT_SMS
from hotline.sms.render import SmsRenderer
from hotline.sms.session import Conversation
from hotline.textchannel import channel_for
from hotline.webhooks.incoming import Incoming, Reply
from hotline.webhooks.line import Line
from hotline.webhooks.routes import Routes

NO_REPLY = str(MessagingResponse())
COOKIE_HEADER = "HTTP_COOKIE"


def _renderer(line: Line, incoming: Incoming) -> SmsRenderer:
    """The renderer of the channel the message came by (SMS, or WhatsApp's `whatsapp:+…`)."""
    channel = channel_for(incoming.form.get("From"))
    return line.store.derived(channel.name, functools.partial(SmsRenderer, channel=channel))


def _conversation(line: Line, incoming: Incoming, renderer: SmsRenderer) -> Conversation | None:
    return line.cookies.read(incoming.header(COOKIE_HEADER), renderer.content)


def incoming_text(line: Line, incoming: Incoming) -> Reply:
    verdict, reason, first = sms_verdict(line.limits, incoming)
    renderer = _renderer(line, incoming)
    channel = renderer.channel.name
    conversation = _conversation(line, incoming, renderer)
    if verdict is not Verdict.REPLY:
        # Past a limit or from abroad: one short notice at most, so abuse costs the city little.
        count(line, incoming, channel, None, reason, first)
        language = conversation.language if conversation else None
        return Reply(renderer.paused(language) if verdict is Verdict.NOTICE else NO_REPLY)
    reply = renderer.reply(conversation, incoming.form.get("Body", ""))
    count(line, incoming, channel, *conversation_item(reply.conversation), first)
    return Reply(reply.document, line.cookies.set_cookie(reply.conversation))


def fallback(line: Line, incoming: Incoming) -> Reply:
    """The same document as static/fallback-sms.xml, for Twilio's fallback URL."""
    return Reply(LAST_RESORT_SMS)


def problem(line: Line, incoming: Incoming, lang: str | None) -> Reply:
    """Whatever broke, the texter reads the 911 notice and how to reach the office."""
    renderer = _renderer(line, incoming)
    conversation = _conversation(line, incoming, renderer)
    return Reply(renderer.problem(conversation.language if conversation else None))


ROUTES = Routes(
    name="SMS",
    prefix="/sms",
    table=[("", incoming_text), ("/fallback", fallback)],
    problem=problem,
    last_resort=LAST_RESORT_SMS,
)
