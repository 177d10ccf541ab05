"""gunicorn settings: one gevent worker per process, as Socket.IO needs (see README, scaling)."""
import os
import resource

bind = os.environ.get("BIND", "127.0.0.1:5000")
worker_class = "gevent"
workers = 1  # Socket.IO keeps per-connection state in the worker; scale with processes instead.
# Every open Socket.IO connection holds one of these for its whole life: at the old 2000, a
# process with 2,000 watching phones stopped accepting page requests (bench/test_sockets.py).
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "10000"))
# One file descriptor per connection: lift the soft limit (often 1024) as far as allowed.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_want = worker_connections + 256
if _soft != resource.RLIM_INFINITY and _soft < _want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_want if _hard == resource.RLIM_INFINITY
                                                else min(_want, _hard), _hard))
# gunicornc's control socket, one per process: several processes on one host would otherwise
# share ~/.gunicorn/gunicorn.ctl, and the first to stop would remove it for the others.
control_socket = os.path.join(
    os.environ.get("XDG_RUNTIME_DIR") or os.path.expanduser("~/.gunicorn"),
    "gunicorn-" + bind.rsplit(":", 1)[-1].replace("/", "_") + ".ctl")
timeout = 60
# gunicorn's gevent worker gives every request, the first on a connection included, this many
# seconds to arrive, counted from when its greenlet starts waiting. The default 2 s reset
# (TCP RST) checkouts that sat in the socket while a burst kept the worker busy for longer
# (bench/test_checkout.py, 200 at once). Idle keep-alive clients also hold a graceful stop for
# up to this long (capped by graceful_timeout); nginx drops idle upstream connections at 8 s.
keepalive = int(os.environ.get("KEEPALIVE", "10"))
graceful_timeout = 10
accesslog = os.environ.get("ACCESS_LOG", "-") or None  # ACCESS_LOG="" turns it off
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")


def pre_request(worker, req):
    """Take turns: one gevent worker serves every connection, and its event loop does not wake
    ready connections in the order they became ready, so without this a few keep-alive clients
    were served again and again while the rest waited (bench/test_pages.py at 32 connections:
    median 4-8 ms, p99 1-1.3 s; the same with wrk on a route that only spins 8 ms). Yielding
    once before each request puts it behind the requests already waiting."""
    worker.log.debug("%s %s", req.method, req.path)
    if worker_class == "gevent":
        import gevent

        gevent.sleep(0)
