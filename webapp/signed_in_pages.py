"""Catalog pages as signed-in buyers see them, kept for a moment by each process, each person's
own parts filled in per request.

What a buyer sees on a shop page besides their name, their cart link, their form token and
their id (and flash messages) is the same for every buyer. So a view marked
`@shared(buyers=True)` (webapp/shared_pages.py) is rendered once with markers where those four
go, kept per request key for SHARED_PAGE_SECONDS beside the anonymous pages (and forgotten with
them on any committed write to a table such a page shows), and each request gets it with its own
values put in: the session, the login and every check Flask runs as before (the generation of
webapp/auth/sessions.py, a suspended account, the limiter, CSP, Cache-Control: private), then a
cart count and a join instead of the queries and templates of the page.

What makes it safe:
- only for a buyer (a merchant's shop page is the owner's view; couriers and admins are few),
  and never while a flash message is pending (nor kept if the view flashed one);
- while a page is rendered to be kept, templates see `current_user` as `KeptUser`: the role, a
  marker for the id and the display name, and nothing else (anything more raises `Personal`,
  and the page is rendered for the person and not kept); `csrf_token()` gives a marker and
  `cart_count()` raises: the cart link is `cart_link()`, a marker;
- the key holds everything else a page depends on: role, host, scheme, script root, path,
  query, every cookie but the session and remember cookies, Accept, Accept-Language, the HX-*
  and X-Forwarded-* headers (but the client's address);
- only a 200 whose view set no header but its type and Vary is kept; the markers are random per
  process and only letters and digits, so no escaping changes them and no content makes them.
"""
from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable

from flask import Flask, current_app, g, make_response, request, session
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from webapp.models import Role
from webapp.request_costs import form_token

log = logging.getLogger(__name__)
MARKING = "webapp.signed_in_marking"  # in the request's environ while a kept page is rendered
PREFIX = "kept" + secrets.token_hex(12)
FIELDS = ("id", "name", "csrf", "cart")
MARKS = {field: f"{PREFIX}{field}Z" for field in FIELDS}
SPLIT = re.compile(f"{PREFIX}({'|'.join(FIELDS)})Z".encode())
SIGNED_IN = object()  # first in every key: never equal to an anonymous page's key
KEY_HEADERS = ("HTTP_HX_", "HTTP_X_FORWARDED_")
VIEW_HEADERS = frozenset({"content-type", "content-length", "vary"})
UNKEPT: set[str] = set()  # endpoints whose page turned out to show something personal
CART_LINKS_MAX = 512
TOKEN_IN_G = "csrf_token"  # where Flask-WTF's generate_csrf keeps the request's token


class Personal(Exception):
    """A page rendered to be kept asked for something of the person's own."""


class KeptUser:
    """`current_user` in templates while a page for every buyer is rendered."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    id = MARKS["id"]
    display_name = MARKS["name"]

    def __init__(self, role: Role) -> None:
        self.role = role

    def __getattr__(self, name: str):
        raise Personal(name)


def marking() -> bool:
    return bool(request.environ.get(MARKING))


def _in_templates() -> dict:
    """Flask-Login and Flask-WTF put `current_user` and `csrf_token` in every template's context
    (a macro imported without context sees the globals): while marking, they are replaced."""
    if marking():
        return {"current_user": KeptUser(current_user.role), "csrf_token": csrf_token,
                "csrf_meta_tag": _personal_meta_tag}
    return {}


def _personal_meta_tag():
    raise Personal("csrf_meta_tag")


def csrf_token() -> str:
    """The form token, or its marker in a page rendered to be kept."""
    return MARKS["csrf"] if marking() else form_token()


def cart_link_html(count: int) -> Markup:
    """The top bar's cart link showing `count` items, kept per language, script root, count and
    whether this is the cart page (templates/cart/_nav_link.html)."""
    env = current_app.jinja_env
    key = ("cart-link", str(get_locale()), request.script_root, request.endpoint == "cart.index",
           count)
    links = current_app.extensions.setdefault("cart_links", {}) if not env.auto_reload else {}
    html = links.get(key)
    if html is None:
        if len(links) >= CART_LINKS_MAX:
            links.clear()
        html = links[key] = Markup(env.get_template("cart/_nav_link.html").render(count=count))
    return html


def init_app(app: Flask, cart_count: Callable[[], int]) -> None:
    """Templates' `current_user`, `csrf_token()`, `cart_count()` and `cart_link()` as kept pages
    need them (after Flask-Login, Flask-WTF and templating.register)."""
    app.context_processor(_in_templates)

    def guarded_cart_count() -> int:
        if marking():
            raise Personal("cart_count")
        return cart_count()

    def cart_link() -> Markup:
        return Markup(MARKS["cart"]) if marking() else cart_link_html(cart_count())

    app.jinja_env.globals.update(csrf_token=csrf_token, cart_count=guarded_cart_count,
                                 cart_link=cart_link)
    app.extensions["signed_in_cart_count"] = cart_count


def eligible() -> bool:
    """A buyer with no flash message waiting, on an app that keeps pages."""
    return (current_user.is_authenticated and current_user.role is Role.BUYER
            and "shared_pages" in current_app.extensions and not session.get("_flashes")
            and request.endpoint not in UNKEPT and not current_app.jinja_env.auto_reload)


def page_key() -> tuple:
    environ = request.environ
    private = current_app.extensions["shared_pages"].cookie_names
    return (SIGNED_IN, current_user.role, environ.get("HTTP_HOST"), environ.get("wsgi.url_scheme"),
            environ.get("SCRIPT_NAME"), environ.get("PATH_INFO"), environ.get("QUERY_STRING"),
            tuple(sorted((k, v) for k, v in request.cookies.items(multi=True) if k not in private)),
            environ.get("HTTP_ACCEPT"), environ.get("HTTP_ACCEPT_LANGUAGE"),
            tuple(sorted((k, v) for k, v in environ.items()
                         if k.startswith(KEY_HEADERS) and k != "HTTP_X_FORWARDED_FOR")))


def answer(view: Callable, args: tuple, kwargs: dict):
    """The buyer's page: the kept one filled in, else rendered with markers, kept, filled in."""
    if not eligible():
        return make_response(view(*args, **kwargs))
    store = current_app.extensions["shared_pages"]
    key = page_key()
    kept = store.recall(key)
    if kept is None:
        generation = store.generation
        request.environ[MARKING] = True
        g.pop(TOKEN_IN_G, None)
        try:
            response = make_response(view(*args, **kwargs))
            if TOKEN_IN_G in g:  # a real form token was made: it may be in the page
                raise Personal("generate_csrf")
        except Personal as asked:
            log.error("%s shows %s: its pages are not kept for signed-in people",
                      request.endpoint, asked)
            UNKEPT.add(request.endpoint)
            request.environ[MARKING] = False
            return make_response(view(*args, **kwargs))
        finally:
            request.environ[MARKING] = False
        kept = (response.status_code, [(k, v) for k, v in response.headers.items()
                                       if k.lower() != "content-length"],
                tuple(SPLIT.split(response.get_data())))
        if keepable(response):
            store.keep(key, generation, kept)
    return filled(*kept)


def keepable(response) -> bool:
    return (response.status_code == 200 and not response.is_streamed
            and all(name.lower() in VIEW_HEADERS for name in response.headers.keys())
            and not session.get("_flashes") and not request_ctx.flashes)  # none shown either


def filled(status: int, headers: list, parts: tuple):
    """The kept page with this request's person in it."""
    values = {b"id": str(current_user.id).encode(),
              b"name": str(escape(current_user.display_name)).encode(),
              b"csrf": form_token().encode(),
              b"cart": str(cart_link_html(cart_items())).encode()}
    body = b"".join(values[part] if index % 2 else part for index, part in enumerate(parts))
    return current_app.response_class(body, status=status, headers=headers)


def cart_items() -> int:
    """The buyer's cart items as read with their login (no view ran since), else counted."""
    count = getattr(current_user._get_current_object(), "cart_items_at_login", None)
    return count if count is not None else current_app.extensions["signed_in_cart_count"]()
