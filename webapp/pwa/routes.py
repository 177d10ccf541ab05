import hashlib
import os
import re
import time
from functools import lru_cache
from pathlib import Path

from flask import current_app, jsonify, request, send_from_directory, url_for
from flask_babel import gettext as _

from webapp.i18n import N_, html_lang
from webapp.pwa import bp
from webapp.web import render

VERSION_LINE = re.compile(r'^const VERSION = "([^"]+)";$', re.M)
SHELL_FILE = re.compile(r'"/static/([^"]+)"')
OFFLINE_TEMPLATE = "pwa/offline.html"
# (file under static/screenshots, width, height, form_factor, label): the app on the demo data,
# taken by `python -m tests.pwa.screenshots`. The install sheet shows the narrow ones on phones,
# the wide ones on tablets and desktops; each form factor keeps one aspect ratio (Chromium's rule).
SCREENSHOTS = (
    ("install-narrow-home.png", 780, 1688, "narrow", N_("首页：附近的实名店铺和新品")),
    ("install-narrow-shop.png", 780, 1688, "narrow", N_("店铺页：已认证的商家和商品")),
    ("install-wide-board.png", 1280, 800, "wide", N_("商家平板：订单看板")),
    ("install-wide-products.png", 1280, 800, "wide", N_("商家平板：商品管理")),
)


STAMP_SECONDS = 1.0
_looked_at: dict[tuple[str, str, str], tuple[float, tuple[str, str]]] = {}


def _stamp(path: str) -> tuple[int, int]:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return (0, -1)
    return (stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _shell_files(worker: str, offline: str, stamp: tuple[int, int]) -> tuple[str, ...]:
    """The files a change of which gives a new worker: sw.js itself, what it precaches (read from
    it again only when sw.js changes) and the offline page's template."""
    source = Path(worker).read_text(encoding="utf-8") if stamp[1] >= 0 else ""
    static = Path(worker).parent
    return (worker, *(str(static / name) for name in SHELL_FILE.findall(source)), offline)


@lru_cache(maxsize=16)
def _stamped(stamps: tuple, release: str) -> tuple[str, str]:
    """The worker with VERSION-<digest> and its ETag, made again only when a file changed or the
    release did (browsers ask for /sw.js on every navigation). The digest hashes the precached
    files, the offline page's template and APP_RELEASE."""
    (worker, _, _), *shell = stamps
    source = Path(worker).read_text(encoding="utf-8")
    digest = hashlib.sha256(release.encode())
    for name, _mtime, size in shell:
        path = Path(name)
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if size >= 0 else b"missing")
    version = digest.hexdigest()[:12]
    stamped = VERSION_LINE.sub(lambda m: f'const VERSION = "{m.group(1)}-{version}";', source,
                               count=1)
    return stamped, hashlib.sha256(stamped.encode()).hexdigest()[:16]


def _current(static: str, root: str, release: str) -> tuple[str, str]:
    """The stamped worker and its ETag, its files looked at again at most once a STAMP_SECONDS
    (every navigation asks for /sw.js; ten stat calls each were a tenth of its cost)."""
    now = time.monotonic()
    kept = _looked_at.get((static, root, release))
    if kept is not None and now - kept[0] < STAMP_SECONDS:
        return kept[1]
    worker = os.path.join(static, "sw.js")
    offline = os.path.join(root, os.pardir, "templates", OFFLINE_TEMPLATE)
    files = _shell_files(worker, offline, _stamp(worker))
    current = _stamped(tuple((name, *_stamp(name)) for name in files), release)
    if len(_looked_at) > 16:
        _looked_at.clear()
    _looked_at[(static, root, release)] = (now, current)
    return current


@bp.get("/sw.js")
def service_worker():
    """Serve the service worker from the root so its scope is the whole app."""
    stamped, etag = _current(current_app.static_folder, current_app.root_path,
                             os.environ.get("APP_RELEASE", ""))
    response = current_app.response_class(stamped, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(etag)
    # Nothing to compare against (most asks): the full answer, without make_conditional's work.
    if not {"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE", "HTTP_IF_RANGE",
            "HTTP_IF_MATCH"} & request.environ.keys():
        return response
    return response.make_conditional(request)


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest, in the page's language."""
    response = jsonify({
        "id": "/",
        "name": _("信集 · 实名商家集市"),
        "short_name": _("信集"),
        "description": _("实名认证商家的同城集市：下单、实时配送、当面签收。"),
        "lang": html_lang(),
        "dir": "ltr",
        "start_url": url_for("shops.index"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#f6f7f9",
        "theme_color": "#0f766e",
        "categories": ["shopping", "food"],
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192",
             "type": "image/png", "purpose": "any"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "any"},
            {"src": url_for("static", filename="icons/icon-maskable-512.png"),
             "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
        "screenshots": [
            {"src": url_for("static", filename=f"screenshots/{name}"), "sizes": f"{w}x{h}",
             "type": "image/png", "form_factor": form, "label": _(label)}
            for name, w, h, form, label in SCREENSHOTS
        ],
    })
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.vary.add("Accept-Language")
    return response


@bp.get("/offline")
def offline():
    """The page the service worker shows when a page cannot be fetched."""
    return render(OFFLINE_TEMPLATE)


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for this whatever the page says."""
    return send_from_directory(current_app.static_folder, "icons/icon-192.png",
                               mimetype="image/png", max_age=86400)
