"""gunicorn settings: one gevent worker per process, as Socket.IO needs (see README, scaling)."""
import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
worker_class = "gevent"
workers = 1  # Socket.IO keeps per-connection state in the worker; scale with processes instead.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "2000"))
timeout = 60
graceful_timeout = 10
accesslog = os.environ.get("ACCESS_LOG", "-") or None  # ACCESS_LOG="" turns it off
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
