"""GET /metrics for staff dashboards, behind a bearer token; hidden when no token is set."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, request

from hotline import services
from hotline.limits.logins import too_many
from hotline.metrics import prometheus

bp = Blueprint("metrics", __name__)


def _authorised(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given_bytes = given.strip().encode()
    return scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, token.encode())


@bp.get("/metrics")
def metrics() -> Response:
    shared = services.current()
    settings = shared.settings.abuse
    if settings.metrics_token is None:
        abort(404)
    throttle = shared.limits.logins
    door = throttle.door("metrics", request.remote_addr or "unknown")
    if throttle.locked(door):
        return too_many(door)
    if not _authorised(settings.metrics_token):
        if request.headers.get("Authorization"):
            throttle.failed(door, "/metrics")
        return Response(
            "A valid bearer token is required.\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="hotline metrics"'},
        )
    counts = shared.metrics.counts()
    body = prometheus.render(counts, partial=shared.metrics.partial)
    headers = {"Cache-Control": "no-store"}
    return Response(body, content_type=prometheus.CONTENT_TYPE, headers=headers)
