"""The SMS webhook: read the cookie, call the renderer, keep the cookie.

Nothing a texter sends (body, numbers, message SID) is logged, stored or echoed. POST only: with
GET, Twilio would put the texter's words in the URL, and so in access logs.
"""

from __future__ import annotations

from twilio.twiml.messaging_response import MessagingResponse

from hotline.limits import Verdict
from hotline.limits.web import text_verdict
from hotline.metrics.record import conversation_item, usage
from hotline.safe_twiml import LAST_RESORT_SMS
from hotline.sms.render import SmsRenderer
from hotline.sms.session import Conversation
from hotline.webhooks.incoming import Incoming, Reply
from hotline.webhooks.line import Line
from hotline.webhooks.routes import Routes

NO_REPLY = str(MessagingResponse())
COOKIE_HEADER = "HTTP_COOKIE"


def _renderer(line: Line) -> SmsRenderer:
    return line.store.derived("sms", SmsRenderer)


def _conversation(line: Line, incoming: Incoming, renderer: SmsRenderer) -> Conversation | None:
    return line.cookies.read(incoming.header(COOKIE_HEADER), renderer.content)


def incoming_text(line: Line, incoming: Incoming) -> Reply:
    renderer = _renderer(line)
    conversation = _conversation(line, incoming, renderer)
    # The reply is worked out first (it is pure), so the limit and its usage count are one step.
    reply = renderer.reply(conversation, incoming.form.get("Body", ""))
    verdict, _ = text_verdict(
        line,
        incoming,
        under_way=conversation is not None,
        replied=usage(line, "sms", *conversation_item(reply.conversation)),
        refused=lambda reason: usage(line, "sms", None, reason),
    )
    if verdict is Verdict.REPLY:
        return Reply(reply.document, line.cookies.set_cookie(reply.conversation))
    # Past a limit or from abroad: one short notice at most, so abuse costs the city little.
    language = conversation.language if conversation else None
    if verdict is Verdict.NOTICE:
        return Reply(renderer.paused(language))
    if verdict is Verdict.SAFE_NOTICE:
        return Reply(renderer.problem(language))
    return Reply(NO_REPLY)


def fallback(line: Line, incoming: Incoming) -> Reply:
    """The same document as static/fallback-sms.xml, for Twilio's fallback URL."""
    return Reply(LAST_RESORT_SMS)


def problem(line: Line, incoming: Incoming, lang: str | None) -> Reply:
    """Whatever broke, the texter reads the 911 notice and how to reach the office."""
    renderer = _renderer(line)
    conversation = _conversation(line, incoming, renderer)
    return Reply(renderer.problem(conversation.language if conversation else None))


ROUTES = Routes(
    name="SMS",
    prefix="/sms",
    table=[("", incoming_text), ("/fallback", fallback)],
    problem=problem,
    last_resort=LAST_RESORT_SMS,
)
