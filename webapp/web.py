"""View helpers: one render for page and fragment, the role decorator, htmx-aware redirects."""
from __future__ import annotations

import re
from datetime import UTC
from functools import cache, wraps
from urllib.parse import urlsplit

from flask import abort, current_app, make_response, redirect, render_template
from flask_babel import get_locale, gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms.i18n import get_translations as wtforms_translations

from webapp.database import utcnow
from webapp.extensions import htmx, login_manager
from webapp.i18n import user_zone


class ServiceError(Exception):
    """A business rule said no; the message is shown to the user as it is."""

    status = 400

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class Conflict(ServiceError):
    """The thing changed under the user (a double tap, another tab)."""

    status = 409


# The largest id an Integer column holds (int4 on PostgreSQL); a bigger number would make the
# database driver raise, so URLs and socket payloads refuse it first.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: a number too big for an id column is an unknown page, not a 500."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class Form(FlaskForm):
    """Base of every form: WTForms' own messages ("not a valid integer") in the page's language."""

    class Meta:
        locales = ("zh_CN", "zh")

        def get_translations(self, form):
            # WTForms writes its messages in English; only Chinese needs its catalog.
            if str(get_locale() or "zh_CN").startswith("en"):
                return None
            return _wtforms_catalog(self.locales)


@cache
def _wtforms_catalog(locales: tuple[str, ...]):
    """WTForms' catalog, read once per process (gettext looks for its files on every call)."""
    return wtforms_translations(locales)


def wants_fragment() -> bool:
    """True for an htmx request that swaps a region, not a boosted page or a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str | None = None, status: int = 200, **ctx):
    """Render the fragment for an htmx swap, the whole page otherwise."""
    template = fragment if fragment and wants_fragment() else page
    response = make_response(render_template(template, **ctx), status)
    response.vary.add("HX-Request")
    return response


def redirect_to(url: str, status: int = 303):
    """Redirect; an htmx request gets HX-Redirect so no page is swapped into a fragment."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, status)


def role_required(*roles):
    """Let the view run only for a logged-in user holding one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def yuan(fen: int | None) -> str:
    """Format integer fen as yuan: 1250 -> ¥12.50."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}¥{fen // 100}.{fen % 100:02d}"


def local_time(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Show a naive-UTC timestamp in the viewer's time zone (the browser's, else TIMEZONE)."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(user_zone()).strftime(fmt)


def waited(since) -> str:
    """How long ago, in words a reviewer reads at a glance: 3 小时 12 分."""
    if since is None:
        return ""
    minutes = max(0, int((utcnow() - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return gettext("%(days)d 天 %(hours)d 小时", days=days, hours=hours)
    if hours:
        return gettext("%(hours)d 小时 %(mins)d 分", hours=hours, mins=mins)
    return gettext("%(mins)d 分钟", mins=mins)


def safe_next(target: str | None) -> str | None:
    """Accept only same-site relative paths as a post-login destination."""
    # Browsers drop tabs and newlines and read "\" as "/", so "/\t/evil" would leave the site.
    if not target or re.search(r"[\x00-\x20\\]", target) or not target.startswith("/"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


def public_url(endpoint: str, **values) -> str:
    """An absolute address to hand out (a QR code, a poster): PUBLIC_URL and the route's path,
    never the Host or X-Forwarded-Host of the request, which the client chooses."""
    path = current_app.url_map.bind("public").build(endpoint, values)
    return current_app.config["PUBLIC_URL"] + path
