from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, request, url_for

from webapp.i18n import COOKIE, COOKIE_MAX_AGE, LOCALES, bp
from webapp.web import redirect_to, safe_next


@bp.post("")
def switch():
    """Remember the chosen language for a year and go back to the page it was chosen on."""
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
