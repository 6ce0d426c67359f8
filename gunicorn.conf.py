"""gunicorn settings for a small dyno or VM (1-2 cores, 512 MB), with nothing in front of it.

Why gevent (README, "Serving"): a client that sends half a request and waits costs a greenlet,
not one of a few threads, so hundreds of them cannot keep Twilio's requests from being read.
"""

import os

from gevent import monkey

# The master imports the app's logger class (below), so the app, so ssl; gevent must replace ssl
# before anything imports it. Each worker patches the rest as it starts (gunicorn's gevent
# worker); the master stays a plain process, whose threads do not survive a fork.
monkey.patch_ssl()

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Each worker is one process with its own copy of the content; more workers use more cores.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gevent"
# Open connections per worker, idle or not. Past it the worker stops accepting until one closes.
worker_connections = 1000
# A worker's event loop must come back to gunicorn's heartbeat within this many seconds, or the
# master kills the worker and starts another: a whole-process stall (a call that blocks the loop,
# a long GC pause) is ended here, under Twilio's 15 seconds.
timeout = 10
graceful_timeout = 10
keepalive = 5
# No preloading: each worker loads the app after gevent has patched the standard library, so the
# app's locks and sockets are gevent's. Content with errors still stops the start: a worker that
# fails to boot makes gunicorn exit ("Worker failed to boot").
preload_app = False
# gunicorn 27's control socket ($HOME/.gunicorn/gunicorn.ctl) is not used by this app; off, so
# several instances on one machine do not share one socket and a read-only home is fine.
control_socket_disable = True
# Access log without query strings, addresses or headers: the path is all we keep.
accesslog = "-"
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
# Both logs written by a thread of their own, so a log output nobody reads never stops a request.
logger_class = "hotline.gunicorn_logging.GunicornLogger"
loglevel = "info"


def worker_abort(worker: object) -> None:
    """Leave at once when the master kills a worker whose loop missed its heartbeat.

    gunicorn answers a timeout with SIGABRT and raises SystemExit in whatever code runs; in a gevent
    worker that is the stuck request's greenlet, and gunicorn's gevent worker swallows it there,
    so the worker would linger for graceful_timeout instead of making room for a fresh one.
    """
    os._exit(1)
