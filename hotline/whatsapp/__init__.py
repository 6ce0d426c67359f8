"""The WhatsApp channel: the text line's conversations, formatted for WhatsApp.

Twilio delivers WhatsApp messages to the same Messaging webhook as texts, with `From` and `To`
written `whatsapp:+…`. Nothing here is a second menu tree: the SMS renderer writes every reply,
and this package decides only how WhatsApp shows it (see hotline.sms.channel).
"""
