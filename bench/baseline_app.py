"""The stack's limit: a minimal Flask app that checks the signature and returns constant TwiML.

Same Flask, gunicorn settings and signature check as the hotline, none of its work: the body is a
fixed TwiML document padded to BENCH_BODY_BYTES, so the bytes on the wire match the real answer.

    gunicorn -c gunicorn.conf.py "bench.baseline_app:create_app()"
"""

from __future__ import annotations

import os

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

HEAD = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>'
TAIL = "</Say></Response>"


def constant_body(size: int) -> bytes:
    """A valid TwiML document of exactly `size` bytes (or the smallest one, if size is smaller)."""
    padding = max(0, size - len(HEAD) - len(TAIL))
    return (HEAD + "x" * padding + TAIL).encode("ascii")


def create_app() -> Flask:
    token = os.environ["TWILIO_AUTH_TOKEN"]
    public_url = os.environ["HOTLINE_PUBLIC_URL"].rstrip("/")
    body = constant_body(int(os.environ.get("BENCH_BODY_BYTES", "1000")))
    validator = RequestValidator(token)
    app = Flask(__name__)

    @app.route("/<path:anything>", methods=["GET", "POST"])
    def constant(anything: str) -> Response:
        query = request.query_string.decode("latin-1")
        url = public_url + request.path + (f"?{query}" if query else "")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(url, request.form, signature):
            abort(403)
        return Response(body, mimetype="text/xml")

    return app
