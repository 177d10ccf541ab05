from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, request, url_for
from flask_wtf.csrf import CSRFError

from webapp.extensions import csrf
from webapp.i18n import COOKIE, COOKIE_MAX_AGE, LOCALES, bp
from webapp.web import redirect_to, safe_next


def from_our_pages() -> bool:
    """Whether the browser says this request comes from one of our own pages.

    Browsers send Sec-Fetch-Site with every request, and Origin with every POST; a form on
    another site shows up as "cross-site" or with its own origin. A request that carries neither
    cannot prove where it came from and is refused.
    """
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = urlsplit(request.headers.get("Origin") or "")
    return origin.netloc == request.host and origin.scheme == request.scheme


@bp.post("")
@csrf.exempt
def switch():
    """Remember the chosen language for a year and go back to the page it was chosen on.

    It needs no form token, so pages shared between anonymous visitors can offer it
    (webapp/shared_pages.py); the browser's own headers stand in for the token.
    """
    if current_app.config["WTF_CSRF_ENABLED"] and not from_our_pages():
        raise CSRFError("the language switch was not posted from this site")
    code = request.form.get("code")
    if code not in LOCALES:
        abort(404)
    target = safe_next(request.form.get("next"))
    referrer = urlsplit(request.referrer or "")
    if target and referrer.netloc == request.host and referrer.path == target and referrer.query:
        target = safe_next(f"{referrer.path}?{referrer.query}") or target
    response = redirect_to(target or url_for("shops.index"))
    response.set_cookie(COOKIE, code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=current_app.config["HTTPS"])
    return response
