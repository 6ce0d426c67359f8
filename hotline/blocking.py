"""Run a call that may block for long where it stalls only itself, also in a gevent worker.

In gunicorn's gevent worker (README, "Serving") a "thread" is a greenlet of one event loop: a
write to a pipe nobody reads, a read from a network mount that stopped answering, or a second
of parsing would stop every request of the worker. There such a call runs on a real thread of
gevent's pool while the greenlet that asked waits cooperatively; elsewhere it runs as it is.
The call must not log or take the app's locks: those are gevent's, for greenlets only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def in_gevent_worker() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("threading"))


def off_the_loop(call: Callable[..., T], *args: object) -> T:
    """`call(*args)`, on a real thread in a gevent worker."""
    if in_gevent_worker():
        import gevent

        return gevent.get_hub().threadpool.apply(call, args)
    return call(*args)
