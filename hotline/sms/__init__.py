"""The text-message channel: the same menu tree by SMS, its state in Twilio's SMS cookies."""
