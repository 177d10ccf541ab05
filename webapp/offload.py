"""Run CPU-heavy work (decoding and re-encoding photos) off the event loop, a few jobs at once.

One gevent worker serves every page and socket of a process, so a 40-megapixel decode on it
would stall everyone for its whole length. Called from a gevent greenlet (gunicorn's gevent
worker), the job goes to a small pool of real threads and the greenlet waits while the loop
serves others: Pillow's decoders, resizers and encoders release the GIL. Called from a plain
thread (`flask run`, the tests' client), it runs right there, as many at once as the pool would.
Either way at most `size` jobs run at once; the rest queue, so a burst of uploads holds their
bytes, not their decoded pixels.

    result = offload.run(decode, raw, size=2)     # raises whatever decode raises
"""
from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

import gevent
import greenlet
from gevent.threadpool import ThreadPool

T = TypeVar("T")

_pools: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # gevent hub -> its pool
_limits: dict[int, threading.BoundedSemaphore] = {}
_lock = threading.Lock()
_thread = threading.local()
# The pool's threads run at this nice value (Linux sets it per thread): on a machine with few
# cores a decode then takes the CPU the worker's own thread leaves, instead of half of it.
NICE = 10


def run(job: Callable[..., T], *args, size: int = 2) -> T:
    """`job(*args)`, off the event loop when called from a greenlet, at most `size` at once."""
    if isinstance(greenlet.getcurrent(), gevent.Greenlet):
        return _pool(size).apply(_niced, (job, args))
    with _limit(size):
        return job(*args)


def _niced(job: Callable[..., T], args: tuple) -> T:
    """`job(*args)` in a pool thread lowered to NICE, once per thread."""
    if not getattr(_thread, "niced", False):
        _thread.niced = True
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        except (AttributeError, OSError):  # not Linux, or not allowed: run at the usual priority
            pass
    return job(*args)


def _pool(size: int) -> ThreadPool:
    hub = gevent.get_hub()
    pool = _pools.get(hub)
    if pool is None:
        # Our own pool, not the hub's: DNS lookups use that one and must not queue behind photos.
        pool = _pools[hub] = ThreadPool(size, hub=hub)
    pool.maxsize = size
    return pool


def _limit(size: int) -> threading.BoundedSemaphore:
    with _lock:
        return _limits.setdefault(size, threading.BoundedSemaphore(size))
