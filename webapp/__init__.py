"""The application factory."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp import cli, errors, i18n, shared_pages, sms, socket_guard, socket_handshakes, templating
from webapp import config as config_module
from webapp.addresses.routes import bp as addresses_bp
from webapp.admin.routes import bp as admin_bp
from webapp.aftersales.routes import bp as aftersales_bp
from webapp.auth import sessions as auth_sessions
from webapp.auth.routes import bp as auth_bp
from webapp.cart.routes import bp as cart_bp
from webapp.catalog.routes import bp as catalog_bp
from webapp.chat.routes import bp as chat_bp
from webapp.database import keep_sqlite_private, private_dir, private_sqlite
from webapp.delivery.routes import bp as delivery_bp
from webapp.demands.routes import bp as demands_bp
from webapp.extensions import csrf, db, htmx, limiter, login_manager, migrate, socketio, talisman
from webapp.handover.routes import bp as handover_bp
from webapp.i18n.routes import bp as i18n_bp
from webapp.me.routes import bp as me_bp
from webapp.merchants.routes import bp as merchants_bp
from webapp.models import User
from webapp.notifications.routes import bp as notifications_bp
from webapp.orders.routes import bp as orders_bp
from webapp.payments.devgateway import mounted as dev_gateway
from webapp.payments.routes import bp as payments_bp
from webapp.pwa.routes import bp as pwa_bp
from webapp.regions.routes import bp as regions_bp
from webapp.request_costs import App, SessionInterface
from webapp.reviews.routes import bp as reviews_bp
from webapp.search.routes import bp as search_bp
from webapp.shops.routes import bp as shops_bp
from webapp.stats.routes import bp as stats_bp
from webapp.tickets.routes import bp as tickets_bp
from webapp.web import IdConverter

# The Socket.IO handlers: imported for their @socketio.on, before any init_app (_init_socketio).
# isort: split
from webapp.auth import sockets as auth_sockets  # noqa: F401
from webapp.chat import sockets as chat_sockets  # noqa: F401
from webapp.delivery import sockets as delivery_sockets  # noqa: F401
from webapp.demands import sockets as demands_sockets  # noqa: F401
from webapp.handover import sockets as handover_sockets  # noqa: F401
from webapp.orders import sockets as orders_sockets  # noqa: F401

# Views kept beside their blueprint's routes module, imported for their @bp.route.
# isort: split
from webapp.admin import licence_routes as admin_licence_routes  # noqa: F401
from webapp.admin import payment_routes as admin_payment_routes  # noqa: F401
from webapp.aftersales import admin_routes as aftersales_admin_routes  # noqa: F401
from webapp.auth import phone_routes as auth_phone_routes  # noqa: F401
from webapp.merchants import hours_routes as merchant_hours_routes  # noqa: F401
from webapp.merchants import licence_routes as merchant_licence_routes  # noqa: F401
from webapp.merchants import payment_routes as merchant_payment_routes  # noqa: F401
from webapp.merchants import phone_routes as merchant_phone_routes  # noqa: F401
from webapp.orders import failure_routes as order_failure_routes  # noqa: F401
from webapp.orders import pickup_routes as order_pickup_routes  # noqa: F401
from webapp.reviews import admin_routes as review_admin_routes  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: type | dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, sockets, error pages, CLI."""
    app = App(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.url_map.converters["int"] = IdConverter
    app.session_interface = SessionInterface()  # the cookie's signer made once
    _configure(app, config)
    # Inside ProxyFix, so kept pages are keyed by the host and scheme the visitor used.
    shared_pages.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        private_dir(Path(app.instance_path))
        private_sqlite(app.config["SQLALCHEMY_DATABASE_URI"])
    dev_gateway.install(app)  # make run without payment credentials: /dev-gateway/
    _init_extensions(app)
    sms.init_app(app)  # the SMS provider SMS_PROVIDER names, and `flask sms status`
    _register_blueprints(app)
    app.after_request(vary_on_htmx)
    errors.register(app)
    templating.register(app)
    cli.register(app)
    return app


def _configure(app: Flask, config: type | dict | None) -> None:
    """Settings from the environment (config.Config), then the caller's, checked."""
    app.config.from_object(config_module.Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    config_module.check(app.config)
    if isinstance(config, dict) and "MAP_TILE_URL" in config and "TILE_URL" not in config:
        app.config["TILE_URL"] = config["MAP_TILE_URL"]  # the earlier name, still honoured


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(errors.unauthorized)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    _init_talisman(app)
    _init_socketio(app)


def _init_socketio(app: Flask) -> None:
    # The handlers are imported (at the top of this module) before init_app: while socketio is
    # unbound they are kept in its list, which every init_app (every app, tests build many)
    # registers on its new server.
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        message_queue=app.config["SOCKETIO_MESSAGE_QUEUE"],
        channel=app.config["SOCKETIO_CHANNEL"],
        # The app's events are small (a batch of 100 queued fixes is ~15 KB); Engine.IO closes
        # a websocket, and refuses a polling post, that sends more in one message.
        max_http_buffer_size=app.config["SOCKET_MAX_MESSAGE_BYTES"],
    )
    socket_guard.install(app)  # per-connection event limits, bad frames, the error ack
    socket_handshakes.install(app)  # new Engine.IO sessions per client, in front of it all


def _register_blueprints(app: Flask) -> None:
    """Every domain's pages; each routes module adds its views to its domain's blueprint."""
    app.register_blueprint(auth_bp)
    app.register_blueprint(merchants_bp)
    app.register_blueprint(shops_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(cart_bp)
    app.register_blueprint(addresses_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(delivery_bp)
    app.register_blueprint(handover_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(aftersales_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(regions_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(demands_bp)
    app.register_blueprint(chat_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(me_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(i18n_bp)


def load_user(user_id: str) -> User | auth_sessions.LightUser | None:
    """The signed-in user of a session or remember cookie, unless the account was deactivated
    or its sessions were ended since (webapp/auth/sessions.py); on a GET of a page kept for
    signed-in buyers (`@shared(buyers=True)`), or a request whose method the view lists in
    `light_login_methods` (it needs only the user's id, role and name), read as a LightUser."""
    view = current_app.view_functions.get(request.endpoint) if has_request_context() else None
    if view is None:
        return auth_sessions.user_for(user_id)
    if request.method == "GET" and getattr(view, "light_login", False):
        return auth_sessions.light_user_for(user_id, own_connection=True)  # a kept page
    if request.method in getattr(view, "light_login_methods", ()):
        return auth_sessions.light_user_for(user_id)
    return auth_sessions.user_for(user_id)


VARY_NAMES = ("HX-Request", "Accept-Language", "Cookie")


def vary_on_htmx(response):
    """Say what a response depends on, and keep signed-in pages out of shared caches."""
    # The language comes from the `lang` cookie or else Accept-Language. (One update: each
    # reads and writes the whole header again; a response that varies on nothing yet, most of
    # them, gets the header written as it would read.)
    names = ("HX-Request",) if request.endpoint == "static" else VARY_NAMES
    if "Vary" in response.headers:
        response.vary.update(names)
    else:
        response.headers["Vary"] = ", ".join(names)
    # A logged-in page (an order, an address) must not come back from the back/forward
    # cache for the next person on a shared phone.
    if (request.endpoint != "static" and "Cache-Control" not in response.headers
            and current_user.is_authenticated):
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _init_talisman(app: Flask) -> None:
    img = ["'self'", "data:", "blob:"]
    tiles = app.config.get("TILE_URL")
    if tiles:
        parts = urlsplit(tiles)
        # A host label holding {s} ({s}.tiles…, webrd0{s}.is.autonavi.com) becomes the wildcard
        # CSP allows, which must be a whole leftmost label.
        labels = parts.netloc.split(".")
        if "{s}" in labels[0]:
            labels[0] = "*"
        img.append(f"{parts.scheme}://{'.'.join(labels)}")
    csp = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": img,
        # CSP3 'self' covers ws:// and wss:// to this same host, which is all Socket.IO needs.
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    https = app.config["HTTPS"]
    talisman.init_app(
        app,
        content_security_policy=csp,
        force_https=https,
        strict_transport_security=https,
        session_cookie_secure=https,
        frame_options="DENY",
        referrer_policy="same-origin",
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL lets readers run beside the writer; the busy timeout waits instead of failing."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        keep_sqlite_private(dbapi_connection)  # before WAL makes its files with the file's mode
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL syncs at checkpoints instead of on every commit: the database cannot
        # be corrupted, and only a power cut or OS crash (not a crashed app) can lose the last
        # commits. FULL cost ~3 ms per commit here, all of it inside the handler a courier's
        # position waits on before it is sent to the watchers. PostgreSQL is unaffected.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
