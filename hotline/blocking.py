"""Run a call that may block for long where it stalls only itself, also in a gevent worker.

In gunicorn's gevent worker (README, "Serving") a "thread" is a greenlet of one event loop: a
write to a pipe nobody reads, a read from a network mount that stopped answering, or a second
of parsing would stop every request of the worker. There such a call runs on a real thread of
gevent's pool while the greenlet that asked waits cooperatively; elsewhere it runs as it is.
The call must not log or take the app's locks: those are gevent's, for greenlets only.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
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


class Overdue(Exception):
    """A block given a deadline (see `deadline`) did not finish in time and was abandoned."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Abandon the block after `seconds` with Overdue, where a block can be abandoned: in a gevent
    worker every wait is a switch of the event loop, name lookups (DNS) included, which no socket
    timeout bounds. Elsewhere the block runs as it is, and its calls must bound themselves."""
    if not in_gevent_worker():
        yield
        return
    import gevent

    with gevent.Timeout(seconds, Overdue(f"not done within {seconds:g} s")):
        yield
