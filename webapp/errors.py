"""Error pages: a clear message and the right status, as a page or as an htmx flash."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from webapp.extensions import db, htmx, login_manager
from webapp.i18n import N_
from webapp.web import ServiceError, safe_next

MESSAGES = {
    400: N_("请求无效，请检查后重试。"),
    401: N_("请先登录。"),
    403: N_("你没有权限查看或操作此内容。"),
    404: N_("找不到该页面或内容。"),
    405: N_("不支持该操作。"),
    409: N_("内容已被更改，请刷新后重试。"),
    413: N_("上传的内容太大。"),
    422: N_("提交的内容有误，请检查后重试。"),
    429: N_("操作太频繁，请稍后再试。"),
    500: N_("服务器出错了，请稍后再试。"),
    503: N_("服务暂时不可用，请稍后再试。"),
}


def error_response(message: str, status: int):
    """Show `message`: an htmx request gets it in the flash area, a page request a whole page."""
    # Messages are written in Chinese, the source language; show them in the page's language.
    message = gettext(message)
    if htmx:
        response = make_response(
            render_template("_flash.html", messages=[("error", message)]), status)
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        response = make_response(
            render_template("error.html", message=message, status=status), status)
    response.vary.add("HX-Request")
    return response


def unauthorized():
    """Send an anonymous visitor to the login page, by HX-Redirect for htmx."""
    here = request.headers.get("HX-Current-URL") if htmx else request.full_path.rstrip("?")
    if here and "://" in here:
        parts = urlsplit(here)
        here = parts.path + (f"?{parts.query}" if parts.query else "")
    target = url_for("auth.login", next=safe_next(here))
    if htmx:
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def database_down(error: BaseException | None) -> bool:
    """The database could not be reached or dropped the connection (a restart, a failover)."""
    return isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def database_unavailable(error: DBAPIError):
    """Answer 503 while the database is away; the pool reconnects once it is back."""
    current_app.logger.warning("database unavailable: %s", error.orig)
    try:
        db.session.rollback()
    except DBAPIError:
        pass
    # Show the page as to a visitor: the user's row (for the top bar) is out of reach too, and
    # asking for it again would turn this page into a bare 500.
    g._login_user = login_manager.anonymous_user()
    response = error_response(MESSAGES[503], 503)
    response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response


def _has_nul(pairs) -> bool:
    # A malformed multipart part can come with no name (None).
    return any("\x00" in (key or "") or any("\x00" in value for value in values
                                           if isinstance(value, str)) for key, values in pairs)


FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def refuse_nul_bytes():
    """Refuse a NUL byte in a form field or a URL part: no one types one, and PostgreSQL cannot
    store one in text (the insert would fail as a 500). Query strings may hold one: search and
    the region lists clean them."""
    if request.view_args and _has_nul((key, [value]) for key, value in request.view_args.items()):
        abort(404)
    # Only these bodies are parsed into request.form (Werkzeug's form parser); other requests
    # (GETs, JSON) have no form to look at and are spared building an empty one.
    if request.mimetype in FORM_TYPES and _has_nul(request.form.lists()):
        abort(400)


def register(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        return error_response(error.message, error.status)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(N_("页面已过期，请刷新后重试。"), 400)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if database_down(error):
            return database_unavailable(error)
        return server_error(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        # Raised outside the view (an after_request asking for the user), it arrives as a 500.
        original = getattr(error, "original_exception", None)
        if code == 500 and database_down(original):
            return database_unavailable(original)
        if code == 429 and error.response is not None:  # a limit that says which it is
            return error.response
        # A view's own words (abort(400, description=_("…"))) say more than the code's default.
        own = error.description if error.description != type(error).description else None
        return error_response(own or MESSAGES.get(code, error.description or MESSAGES[400]), code)

    @app.errorhandler(Exception)
    def server_error(error: Exception):
        current_app.logger.exception("unhandled error")
        return error_response(MESSAGES[500], 500)
