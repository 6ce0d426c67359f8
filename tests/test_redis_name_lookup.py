"""A Redis host whose name does not resolve in time costs a webhook seconds, not the call.

redis-py bounds connecting and reading (0.5 s each) but not the name lookup of the host in
HOTLINE_REDIS_URL (chaos review, "DNS"). In the shipped gevent workers the whole step has a
deadline: past it, the step is taken in memory, as when Redis does not answer. The lookup is made
to hang in a process of its own, patched by gevent as gunicorn's gevent worker patches it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.conftest import REPO_ROOT

SCRIPT = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import json
    import socket
    import time

    import gevent

    from hotline.limits.backends import STEP_DEADLINE_SECONDS, FallbackBackend, RedisBackend
    from hotline.limits.step import Counter, Limit, Outcome, Step

    looked_up = socket.getaddrinfo

    def stalled_lookup(host, *args, **kwargs):
        if host == "redis.stalled-dns.test":
            gevent.sleep(20)  # a resolver that does not answer in time
        return looked_up(host, *args, **kwargs)

    socket.getaddrinfo = stalled_lookup

    backend = FallbackBackend(RedisBackend("redis://redis.stalled-dns.test:6379/0"))
    calls = Counter("hotline:calls:1:abc", 2_000_000_000)
    step = Step(
        Counter("hotline:seen:abc", 2_000_000_000),
        (Outcome("allow", (Limit(calls, 10),)), Outcome("reject", counts=(calls,))),
    )
    started = time.monotonic()
    result = backend.run(step)
    print(json.dumps({
        "seconds": time.monotonic() - started,
        "deadline": STEP_DEADLINE_SECONDS,
        "outcome": result.outcome,
        "using_redis": backend.using_redis,
        "memory": backend.fallback.peek(calls.key),
    }))
    """
)


def test_a_stalled_name_lookup_is_abandoned_at_the_steps_deadline() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=40,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["outcome"] == "allow", "the webhook got its answer, from memory"
    assert found["memory"] == 1
    assert found["using_redis"] is False
    assert found["deadline"] <= found["seconds"] < found["deadline"] + 5
