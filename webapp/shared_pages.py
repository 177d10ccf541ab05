"""Catalog pages as anonymous visitors see them, kept for a moment by each process.

A shop's QR code on a poster sends a crowd of people who are not signed in to the same few pages
(home, the shop, a search). What such a visitor sees depends only on the URL, the language and
time-zone cookies and a few request headers, so each process keeps the finished response for
`SHARED_PAGE_SECONDS` (2 s by default; 0 turns this off) and answers the next identical request
before Flask runs at all: no session, no login, no query, no template.

What makes it safe, in this order:
- a view opts in with `@shared` and only answers so to a visitor who is not signed in;
- nothing is looked up or kept for a request that carries a session or remember-me cookie
  (signed-in people, and anyone with a flash message or a form token, always get a fresh page);
- a response is kept only if it is a 200 that sets no cookie (a page that put a CSRF token in
  the session, and so in its HTML, sets one and is never kept) and carries no per-client
  rate-limit headers;
- any write this process commits to the database forgets every kept page (writes to tables
  these pages never show, like track points and orders, aside), so a merchant's edit shows at
  once on this process; other processes show it within `SHARED_PAGE_SECONDS`.
The key is everything the response may depend on: host, scheme, script root, path, query, the
whole Cookie header, Accept, Accept-Language, every HX-* header and the X-Forwarded-* headers a
proxy sets (but the client's address).
"""
from __future__ import annotations

import re
import threading
import time
import weakref
from collections import OrderedDict
from functools import wraps
from typing import Callable, Iterable

from flask import Flask, current_app, has_request_context, make_response, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from webapp import signed_in_pages

FLAG = "webapp.shared_page"  # in the request's environ: set by @shared for anonymous visitors
# Request headers that go into the key besides the named ones (not X-Forwarded-For: the pages do
# not depend on the client's address, and every client would get a page of its own).
KEY_HEADERS = ("HTTP_HX_", "HTTP_X_FORWARDED_")
# Tables that no shared page shows: their writes (a courier's position every second, orders,
# carts) keep the pages. Any other write, or a statement not understood, forgets them.
QUIET_TABLES = frozenset({"track_point", "delivery", "proof_of_delivery", "order", "order_line",
                          "order_event", "cart_item", "address", "demand", "quote", "audit_log"})
WRITTEN_TABLE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?\s',
                           re.IGNORECASE)
_STORES: "weakref.WeakSet[SharedPages]" = weakref.WeakSet()  # one per app in this process
UNTIL = "webapp.shared_until"  # in the request's environ: when the page may stop being true
# Functions naming the next moment (epoch seconds, or None) a page may change with no write to
# forget it: a licence lapsing hides products at its moment (webapp/licences/services.py).
HORIZONS: list[Callable[[], float | None]] = []


def holds_until() -> float | None:
    """The earliest moment any kept page may stop being true by the clock alone (app context)."""
    return min((m for m in (horizon() for horizon in HORIZONS) if m is not None), default=None)


def shared(view: Callable | None = None, *, buyers: bool = False) -> Callable:
    """Let anonymous visitors' responses of this view be kept (see the module's docstring);
    with `buyers`, signed-in buyers' pages too, their own parts filled in per request
    (webapp/signed_in_pages.py: only for views whose page shows nothing else of the person's)."""
    if view is None:
        return lambda view: shared(view, buyers=buyers)

    @wraps(view)
    def wrapper(*args, **kwargs):
        anonymous = request.environ[FLAG] = not current_user.is_authenticated
        if buyers and not anonymous:
            return signed_in_pages.answer(view, args, kwargs)
        response = make_response(view(*args, **kwargs))
        if anonymous and current_app.extensions.get("shared_pages") is not None:
            request.environ[UNTIL] = holds_until()
        return response

    # A buyer's kept page needs only a light login (webapp/auth/sessions.py LightUser).
    wrapper.light_login = buyers
    return wrapper


def is_shared_page() -> bool:
    """True while rendering a page that may be kept: templates leave out anything per visitor."""
    return has_request_context() and bool(request.environ.get(FLAG))


class SharedPages:
    """WSGI middleware: answer repeated anonymous GETs of opted-in pages from memory."""

    def __init__(self, app: Callable, seconds: float, cookies: Iterable[str],
                 entries: int = 128) -> None:
        self.app, self.seconds, self.entries = app, seconds, entries
        # Conservative: any cookie whose name merely ends like these also bypasses the store.
        self.cookie_names = frozenset(cookies)
        self.private = tuple(f"{name}=" for name in cookies)
        self.pages: OrderedDict[tuple, tuple[float, int, str, list, bytes]] = OrderedDict()
        # Signed-in people's pages, with markers where their own parts go (signed_in_pages).
        self.signed_in: OrderedDict[tuple, tuple[float, int, object]] = OrderedDict()
        self.generation = 0
        self.lock = threading.Lock()

    def forget(self) -> None:
        """Drop every kept page (a write was committed)."""
        with self.lock:
            self.generation += 1
            self.pages.clear()
            self.signed_in.clear()

    def recall(self, key: tuple):
        """A signed-in page kept under `key`, if still fresh."""
        kept = self.signed_in.get(key)
        if kept is not None and kept[0] > time.monotonic() and kept[1] == self.generation:
            return kept[2]
        return None

    def lifetime(self, until: float | None) -> float:
        """How long a page may be kept: SHARED_PAGE_SECONDS, or less if it stops being true at
        `until` (epoch seconds) by the clock alone."""
        return self.seconds if until is None else min(self.seconds, until - time.time())

    def keep(self, key: tuple, generation: int, page) -> None:
        """Keep a signed-in page rendered from the data of `generation` (unless it has passed),
        no longer than the next moment it may change by the clock (holds_until)."""
        lifetime = self.lifetime(holds_until())
        with self.lock:
            if generation == self.generation and lifetime > 0:
                self.signed_in[key] = (time.monotonic() + lifetime, generation, page)
                self.signed_in.move_to_end(key)
                while len(self.signed_in) > self.entries:
                    self.signed_in.popitem(last=False)

    @staticmethod
    def keepable(status: str, headers: list[tuple[str, str]]) -> bool:
        """A 200 with nothing for one client only: no cookie, no rate-limit counts."""
        names = [name.lower() for name, _ in headers]
        return status.startswith("200 ") and "set-cookie" not in names \
            and not any(name.startswith("x-ratelimit") for name in names)

    def __call__(self, environ: dict, start_response: Callable):
        if environ.get("REQUEST_METHOD") != "GET" or self.seconds <= 0:
            return self.app(environ, start_response)
        cookie = environ.get("HTTP_COOKIE", "")
        if any(name in cookie for name in self.private):
            return self.app(environ, start_response)
        key = (environ.get("HTTP_HOST"), environ.get("wsgi.url_scheme"),
               environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"), environ.get("QUERY_STRING"),
               cookie, environ.get("HTTP_ACCEPT"), environ.get("HTTP_ACCEPT_LANGUAGE"),
               tuple(sorted((k, v) for k, v in environ.items()
                            if k.startswith(KEY_HEADERS) and k != "HTTP_X_FORWARDED_FOR")))
        now = time.monotonic()
        kept = self.pages.get(key)
        if kept is not None and kept[0] > now and kept[1] == self.generation:
            start_response(kept[2], list(kept[3]))
            return [kept[4]]
        return self._render(environ, start_response, key, now)

    def _render(self, environ, start_response, key, now):
        generation = self.generation
        answer: dict = {}

        def capture(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        if not environ.get(FLAG) or not self.keepable(answer.get("status", ""),
                                                      answer.get("headers", [])):
            return body
        try:
            content = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        headers = answer["headers"]
        lifetime = self.lifetime(environ.get(UNTIL))
        with self.lock:
            if generation == self.generation and lifetime > 0:
                self.pages[key] = (now + lifetime, generation, answer["status"],
                                   headers, content)
                self.pages.move_to_end(key)
                while len(self.pages) > self.entries:
                    self.pages.popitem(last=False)
        return [content]


def init_app(app: Flask) -> None:
    """Wrap the app when SHARED_PAGE_SECONDS > 0; forget kept pages on every committed write."""
    seconds = float(app.config["SHARED_PAGE_SECONDS"])
    app.jinja_env.globals["shared_page"] = is_shared_page
    if seconds <= 0:
        return
    store = SharedPages(app.wsgi_app, seconds, (
        app.config["SESSION_COOKIE_NAME"], app.config.get("REMEMBER_COOKIE_NAME", "remember_token")))
    app.wsgi_app = store
    app.extensions["shared_pages"] = store
    _STORES.add(store)


# Per connection: did this transaction write to a table a shared page may show? Told by each
# statement's first words, which is cheap. The commit event comes just before the database
# commits, so the pages are forgotten then and once more when the connection goes back to the
# pool (the commit done): a page rendered in between is not kept with the old data.
# Registered once for every engine (tests build many apps and engines in one process).
@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, cursor, statement, parameters, context, executemany):
    head = statement.lstrip()[:7].upper()
    if head.startswith("SELECT") or "shared_pages_wrote" in conn.info:
        return
    written = WRITTEN_TABLE.match(statement)
    if written is None or written.group(1).lower() not in QUIET_TABLES:
        conn.info["shared_pages_wrote"] = True


def _forget_everywhere() -> None:
    for store in list(_STORES):
        store.forget()


@event.listens_for(Engine, "commit")
def _forget_after_write(conn):
    if conn.info.pop("shared_pages_wrote", False):
        conn.info["shared_pages_committed"] = True
        _forget_everywhere()


@event.listens_for(Engine, "rollback")
def _nothing_written(conn):
    conn.info.pop("shared_pages_wrote", None)


@event.listens_for(Pool, "checkin")
def _forget_once_committed(dbapi_connection, record):
    if record is not None and record.info.pop("shared_pages_committed", False):
        _forget_everywhere()
