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

WORKERS_PREFIX = "hotline:workers:"
# Each worker records its version this often; a record older than WORKER_TTL is not listed.
WORKER_EVERY = 10.0
WORKER_TTL = 30
QUARTER_HOUR = 900
# Workers listed at most: enough for any deployment of this line.
MOST_WORKERS = 64


def _call(method: weakref.WeakMethod) -> None:  # type: ignore[type-arg]
    bound = method()
    if bound is not None:
        bound()


class Presence:
    """This worker's content version, recorded in Redis every WORKER_EVERY seconds.

    By a thread of its own on the wall clock's multiples of WORKER_EVERY, never by a request:
    what Redis holds must not tell when anyone called (PRIVACY.md). The versions go into one hash
    per quarter hour that expires at a fixed time, as every key of the line does.
    """

    def __init__(
        self, backend: Any, store: ContentStore, wall_clock: Callable[[], float] = time.time
    ) -> None:
        self.backend = backend
        self.store = store
        self.wall_clock = wall_clock
        self._renew()
        os.register_at_fork(
            after_in_child=functools.partial(_call, weakref.WeakMethod(self._renew))
        )

    def _renew(self) -> None:
        # A forked worker is a worker of its own, and starts its own thread.
        self.name = secrets.token_hex(4)
        self._beating: threading.Thread | None = None

    @property
    def shared(self) -> bool:
        return isinstance(self.backend, FallbackBackend)

    def start(self) -> None:
        """Start recording, once per process (from a request: a preloading master forks no
        thread)."""
        if self._beating is not None or not self.shared:
            return
        self._beating = threading.Thread(target=self._beat, name="hotline-presence", daemon=True)
        self._beating.start()

    def _beat(self) -> None:
        while True:
            self.record()
            now = self.wall_clock()
            time.sleep(WORKER_EVERY - now % WORKER_EVERY)

    def record(self) -> bool:
        """Record this worker's version in Redis; False when Redis does not answer."""
        now = self.wall_clock()
        quarter = int(now // QUARTER_HOUR)
        seen_at = int(now - now % WORKER_EVERY)
        key = f"{WORKERS_PREFIX}{quarter}"
        try:
            pipe = self.backend.primary.client.pipeline(transaction=False)
            pipe.hset(key, self.name, f"{self.store.content.version} {seen_at}")
            pipe.expireat(key, (quarter + 2) * QUARTER_HOUR)
            pipe.execute()
        except redis.RedisError:
            return False
        return True

    def workers(self, redis_answers: bool) -> dict[str, Any]:
        """The versions of the workers seen lately, or why they cannot be known."""
        if not self.shared:
            return {"known": False, "why": "no Redis (HOTLINE_REDIS_URL): each worker knows itself"}
        if not redis_answers:
            return {"known": False, "why": "Redis is not answering"}
        now = self.wall_clock()
        quarter = int(now // QUARTER_HOUR)
        try:
            pipe = self.backend.primary.client.pipeline(transaction=False)
            for key in (quarter - 1, quarter):
                pipe.hgetall(f"{WORKERS_PREFIX}{key}")
            recorded = pipe.execute()
        except redis.RedisError as error:
            return {"known": False, "why": f"Redis did not answer ({type(error).__name__})"}
        seen: dict[str, str] = {}
        for hash_ in recorded:
            for name, value in hash_.items():
                version, _, seen_at = str(value).partition(" ")
                if seen_at.isdigit() and now - int(seen_at) <= WORKER_TTL:
                    seen[str(name)] = version
        return {
            "known": True,
            "this": self.name,
            "versions": dict(sorted(seen.items())[:MOST_WORKERS]),
            "agree": len(set(seen.values())) <= 1,
        }


def install(app: Flask, store: ContentStore, reloader: Reloader | None, backend: Any) -> None:
    """Add /healthz, and record this worker's version on each request when it is time."""
    presence = Presence(backend, store)
    app.before_request(presence.start)

    @app.get("/healthz")
    def healthz():  # type: ignore[no-untyped-def]
        rejected = store.rejected
        reload = reloader.status() if reloader is not None else None
        redis_answers = presence.record() if presence.shared else None
        workers = presence.workers(bool(redis_answers))
        # What the limits and counts use: memory from the first failed call until Redis is
        # tried again and answers.
        using_redis = backend.using_redis if presence.shared else False
        redis_state = {None: None, True: "answers", False: "not answering"}[redis_answers]
        degraded = (
            (reload is not None and reload.stuck)
            or redis_answers is False
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
                "redis": redis_state,
                "counts_kept_in": "redis" if using_redis else "this process's memory",
            },
            log_lines_dropped=logs.dropped_lines(),
            workers=workers,
        )
