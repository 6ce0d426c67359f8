"""Only Twilio may reach the webhooks: every request must carry a valid X-Twilio-Signature."""

from __future__ import annotations

import base64
import hmac
import logging
import re
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any
from urllib.parse import urlparse

from flask import Response, abort, current_app, request
from twilio.request_validator import RequestValidator, add_port, remove_port
from werkzeug.datastructures import MultiDict

from hotline.config import Settings

log = logging.getLogger(__name__)

# Paths and queries that survive urlparse and geturl unchanged, so the two URLs the library would
# sign are the public address's two forms followed by them. Anything else goes to the library.
_PLAIN_TAIL = re.compile(r"/[A-Za-z0-9/._~%!$&'()*+,=:@-]*(?:\?[A-Za-z0-9/._~%!$&'()*+,=:@?-]+)?")


class SignatureCheck:
    """twilio's RequestValidator.validate for one token and public address, with the same answers.

    The library signs the URL twice, without and with the port, for every request. Twilio signs
    the address as configured, so here the form fields are joined once and the second HMAC is
    only computed when the first does not match.
    """

    def __init__(self, token: str, public_url: str | None) -> None:
        self.token = token.encode("utf-8")
        self.validator = RequestValidator(token)
        self.public_url = public_url or ""
        self.prefixes: tuple[str, ...] = ()
        if public_url is not None:
            parsed = urlparse(public_url + "/")
            self.prefixes = tuple(
                dict.fromkeys(form(parsed)[:-1] for form in (remove_port, add_port))
            )

    def valid(self, path_and_query: str, params: Mapping[str, str], signature: str) -> bool:
        """Whether `signature` is Twilio's for the public address + `path_and_query`, `params`."""
        if (
            not self.prefixes
            or not _PLAIN_TAIL.fullmatch(path_and_query)
            or "bodySHA256" in path_and_query
        ):
            return self.validator.validate(self.public_url + path_and_query, params, signature)
        joined = _joined(params)
        expected = signature.encode("utf-8")
        for prefix in self.prefixes:
            digest = hmac.digest(self.token, (prefix + path_and_query + joined).encode(), "sha1")
            if hmac.compare_digest(base64.b64encode(digest), expected):
                return True
        return False


def _joined(params: Mapping[str, str]) -> str:
    """Names and values in the order Twilio signs them (as RequestValidator.compute_signature)."""
    if isinstance(params, MultiDict):
        return "".join(
            name + value
            for name in sorted(set(params))
            for value in sorted(set(params.getlist(name)))
        )
    return "".join(name + params[name] for name in sorted(set(params)))


def is_from_twilio(settings: Settings) -> bool:
    if settings.auth_token is None:
        return settings.dev
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    params = request.form if request.method == "POST" else {}
    if settings.public_url is None:
        return RequestValidator(settings.auth_token).validate(request.url, params, signature)
    # Behind a proxy Twilio signed the public address, not ours.
    query = request.query_string.decode("latin-1")
    path = request.path + (f"?{query}" if query else "")
    return _check(settings).valid(path, params, signature)


def _check(settings: Settings) -> SignatureCheck:
    config = current_app.config
    check = config.get("HOTLINE_SIGNATURE_CHECK")
    if check is None or check.token != settings.auth_token.encode("utf-8"):  # type: ignore[union-attr]
        check = config["HOTLINE_SIGNATURE_CHECK"] = SignatureCheck(
            settings.auth_token,  # type: ignore[arg-type]
            settings.public_url,
        )
    return check


def twilio_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Answer 403 to any request without a valid Twilio signature."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Response:
        if not is_from_twilio(current_app.config["HOTLINE_SETTINGS"]):
            log.warning("refused a request with a missing or invalid Twilio signature")
            abort(403)
        return view(*args, **kwargs)

    return checked
