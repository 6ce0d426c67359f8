"""gunicorn settings for a small dyno (1-2 cores, 512 MB): a few threaded workers."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Each worker holds the content and its rendered documents once; threads share them.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("HOTLINE_THREADS", "4"))
# Twilio gives up after 15 seconds; a stuck worker is restarted well before that.
timeout = 10
graceful_timeout = 10
keepalive = 5
# Load content once in the master so a broken deploy fails before it takes traffic.
preload_app = True
# Access log without query strings, addresses or headers: the path is all we keep.
accesslog = "-"
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
# Both logs written by a thread of their own, so a log output nobody reads never stops a request.
logger_class = "hotline.gunicorn_logging.GunicornLogger"
loglevel = "info"
