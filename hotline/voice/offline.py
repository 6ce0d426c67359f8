"""Rendering voice documents outside a webhook request: for hotline check and caller time.

The renderer builds its addresses with Flask's url_for from the voice blueprint's routes, which
needs a request. Outside one (loading content, `hotline map --timing`), a small app holding only
the voice routes provides it; the addresses it builds are the same relative ones.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

from flask import Flask, has_request_context


@functools.cache
def _routes_only() -> Flask:
    # Imported here: the views import the renderer, which this module serves.
    from hotline.voice.views import bp

    app = Flask(__name__)
    app.register_blueprint(bp)
    return app


@contextlib.contextmanager
def addresses() -> Iterator[None]:
    """Where voice documents can be rendered: the current request, or a stand-in for one."""
    if has_request_context():
        yield
        return
    with _routes_only().test_request_context():
        yield
