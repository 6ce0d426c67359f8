"""/healthz: what this worker serves, and whether every worker of the line serves the same.

A load balancer or an operator asks one worker; its answer says:
- `content_version` and `rejected_edit`: the content it serves, and a newer edit it refused;
- `reload`: whether a load of edited content is running, since when, and whether one is stuck;
- `shared_state`: Redis in use, or this process's memory because Redis does not answer;
- `log_lines_dropped`: log lines this process dropped because its log output was not read;
- `workers`: the content version of every worker of the line seen in the last WORKER_TTL
  seconds, when they share Redis (each records its own there every few seconds, under a random
  name that changes with each process: no host name or process id is shown). Without Redis a
  worker cannot know the others, and says so.

`status` is "ok", or "degraded" when a load is stuck, Redis is not answering, or the workers
seen serve different versions. It reveals nothing about callers.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import redis
from flask import Flask, jsonify

from hotline import logs
from hotline.content.reload import Reloader
from hotline.content.store import ContentStore
from hotline.limits import FallbackBackend

log = logging.getLogger(__name__)

WORKER_PREFIX = "hotline:worker:"
# Each worker records its version this often (from a request), and the record lasts this long.
WORKER_EVERY = 10.0
WORKER_TTL = 30
# Workers listed at most: enough for any deployment of this line.
MOST_WORKERS = 64


def _call(method: weakref.WeakMethod) -> None:  # type: ignore[type-arg]
    bound = method()
    if bound is not None:
        bound()


class Presence:
    """This worker's content version, recorded in the shared backend every few seconds."""

    def __init__(
        self, backend: Any, store: ContentStore, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.backend = backend
        self.store = store
        self.clock = clock
        self._renew()
        os.register_at_fork(
            after_in_child=functools.partial(_call, weakref.WeakMethod(self._renew))
        )

    def _renew(self) -> None:
        # A forked worker is a worker of its own.
        self.name = secrets.token_hex(4)
        self._next = 0.0

    @property
    def shared(self) -> bool:
        return isinstance(self.backend, FallbackBackend)

    def beat(self) -> None:
        """Record this worker's version when it is time; the request never waits for Redis."""
        if not self.shared or self.clock() < self._next:
            return
        self._next = self.clock() + WORKER_EVERY
        threading.Thread(target=self.record, name="hotline-presence", daemon=True).start()

    def record(self) -> None:
        try:
            self.backend.put(WORKER_PREFIX + self.name, self.store.content.version, WORKER_TTL)
        except Exception:
            log.exception("this worker's content version could not be recorded")

    def workers(self) -> dict[str, Any]:
        """The versions of the workers seen lately, or why they cannot be known."""
        backend = self.backend
        if not self.shared:
            return {"known": False, "why": "no Redis (HOTLINE_REDIS_URL): each worker knows itself"}
        self.record()  # through the backend, which notices a Redis that stopped answering
        if not backend.using_redis:
            return {"known": False, "why": "Redis is not answering"}
        try:
            client = backend.primary.client
            names = []
            for key in client.scan_iter(match=WORKER_PREFIX + "*", count=100):
                names.append(key)
                if len(names) >= MOST_WORKERS:
                    break
            versions = client.mget(names) if names else []
        except redis.RedisError as error:
            return {"known": False, "why": f"Redis did not answer ({type(error).__name__})"}
        seen = {
            str(name).removeprefix(WORKER_PREFIX): str(version)
            for name, version in zip(names, versions, strict=True)
            if version is not None
        }
        return {
            "known": True,
            "this": self.name,
            "versions": dict(sorted(seen.items())),
            "agree": len(set(seen.values())) <= 1,
        }


def install(app: Flask, store: ContentStore, reloader: Reloader | None, backend: Any) -> None:
    """Add /healthz, and record this worker's version on each request when it is time."""
    presence = Presence(backend, store)
    app.before_request(presence.beat)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        rejected = store.rejected
        reload = reloader.status() if reloader is not None else None
        workers = presence.workers()  # first: it notices a Redis that stopped answering
        using_redis = backend.using_redis if presence.shared else None
        degraded = (
            (reload is not None and reload.stuck)
            or using_redis is False
            or workers.get("agree") is False
        )
        return jsonify(
            status="degraded" if degraded else "ok",
            content_version=store.content.version,
            rejected_edit=None
            if rejected is None
            else {
                "version": rejected.version,
                "errors": rejected.errors,
                "warnings": rejected.warnings,
                "at": rejected.at.isoformat(timespec="seconds"),
            },
            reload=None
            if reload is None
            else {
                "every_seconds": reloader.interval if reloader is not None else None,
                "loading_since": None
                if reload.loading_since is None
                else reload.loading_since.isoformat(timespec="seconds"),
                "stuck": reload.stuck,
                "stuck_loads": reload.stuck_loads,
            },
            shared_state={
                "redis": None
                if using_redis is None
                else "in use"
                if using_redis
                else "not answering",
                "counts_kept_in": "redis" if using_redis else "this process's memory",
            },
            log_lines_dropped=logs.dropped_lines(),
            workers=workers,
        )
