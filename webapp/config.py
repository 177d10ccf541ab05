"""Settings, all from the environment."""
from __future__ import annotations

import os
import sqlite3
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE / 'marketplace.db'}"
    # Accept the common short forms and always use psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    APP_ENV = os.environ.get("APP_ENV", "production")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
    SOCKETIO_ASYNC_MODE = os.environ.get("SOCKETIO_ASYNC_MODE", "gevent")
    # Processes that share a message queue must share this channel name too.
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL", "marketplace-socketio")
    # Leaflet tiles ({z}/{x}/{y} template); an empty string draws the map without a base layer
    # (marker, trail and destination still show). TILE_URL is the documented name; MAP_TILE_URL,
    # the earlier one, still works when TILE_URL is not set.
    TILE_URL = os.environ.get("TILE_URL", os.environ.get(
        "MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"))
    MAP_TILE_URL = TILE_URL
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
    # What {s} in TILE_URL stands for, one character each (Leaflet's "subdomains"): AMap's
    # webrd0{s}.is.autonavi.com has 1234.
    MAP_TILE_SUBDOMAINS = os.environ.get("MAP_TILE_SUBDOMAINS", "abc").strip() or "abc"
    # "gcj02" for Chinese tile servers (AutoNavi/Amap, Tencent), which are drawn in GCJ-02:
    # positions stay stored in WGS-84 and are shifted only for display. "wgs84" otherwise.
    MAP_TILE_CRS = os.environ.get("MAP_TILE_CRS", "wgs84").strip().lower()
    # The buyer is told "arriving" when the courier is this close to the address pin.
    ARRIVING_METERS = int(os.environ.get("ARRIVING_METERS", "300"))
    # The courier may mark an order arrived only this close to its address pin, by a position
    # at most POSITION_STALE_SECONDS old; farther, or without one, only with a stated reason
    # (webapp/delivery/arrival.py). A position that old is also shown stale on the buyer's map.
    ARRIVE_RADIUS_METERS = int(os.environ.get("ARRIVE_RADIUS_METERS", "300"))
    POSITION_STALE_SECONDS = int(os.environ.get("POSITION_STALE_SECONDS", "60"))
    # ETA = straight-line distance x ROUTE_FACTOR (streets are not straight) / recent speed,
    # the speed measured over the last ETA_SPEED_WINDOW seconds of fixes; DEFAULT until the
    # courier has moved MOVED_METERS, then smoothed (time constant SMOOTHING_SECONDS), never
    # below MIN (a courier waiting at a light is not 2 hours away); from one position to the
    # next the ETA moves by at most MAX_CHANGE of itself (webapp/delivery/eta.py).
    ETA_ROUTE_FACTOR = float(os.environ.get("ETA_ROUTE_FACTOR", "1.3"))
    ETA_SPEED_WINDOW = int(os.environ.get("ETA_SPEED_WINDOW", "120"))
    ETA_DEFAULT_SPEED = float(os.environ.get("ETA_DEFAULT_SPEED", "4.2"))  # m/s, ~15 km/h
    ETA_MIN_SPEED = float(os.environ.get("ETA_MIN_SPEED", "1.5"))
    ETA_MOVED_METERS = float(os.environ.get("ETA_MOVED_METERS", "50"))
    ETA_SMOOTHING_SECONDS = float(os.environ.get("ETA_SMOOTHING_SECONDS", "30"))
    ETA_MAX_CHANGE = float(os.environ.get("ETA_MAX_CHANGE", "0.2"))
    # Web Push (webapp/notifications/channels.py): the VAPID key pair (`flask notifications
    # vapid-keys` makes one; the private key as base64url, raw or DER), the contact the push
    # services see, how long they keep an undelivered push, how long a send may take, and the
    # push services a browser's subscription may name (a host, or ".suffix" for its subdomains).
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "")
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "mailto:ops@example.com")
    PUSH_TTL_SECONDS = int(os.environ.get("PUSH_TTL_SECONDS", "3600"))
    PUSH_TIMEOUT_SECONDS = float(os.environ.get("PUSH_TIMEOUT_SECONDS", "5"))
    # Pushes and texts go out after the commit in the background (0: within the request).
    NOTIFY_IN_BACKGROUND = os.environ.get("NOTIFY_IN_BACKGROUND", "1") != "0"
    # Order tickets (webapp/tickets): how long a shop's network printer may take to connect and
    # to take a ticket; whether one may be on this machine (tests; development, for a printer beside it).
    PRINTER_TIMEOUT_SECONDS = float(os.environ.get("PRINTER_TIMEOUT_SECONDS", "5"))
    PRINTER_ALLOW_LOOPBACK = os.environ.get(
        "PRINTER_ALLOW_LOOPBACK", "1" if os.environ.get("APP_ENV") == "development" else "0") == "1"
    WEB_PUSH_HOSTS = tuple(os.environ.get(
        "WEB_PUSH_HOSTS", "fcm.googleapis.com,updates.push.services.mozilla.com,.push.apple.com,"
        ".notify.windows.com").replace(" ", "").split(","))
    # Pages whose Socket.IO cannot connect poll their order's state this often (seconds).
    POLL_SECONDS = int(os.environ.get("POLL_SECONDS", "10"))
    # Fernet key for ID numbers at rest. Unset: instance/kyc_key, generated on first run outside
    # production (make run creates it too); production without either refuses to start.
    KYC_ENCRYPTION_KEY = os.environ.get("KYC_ENCRYPTION_KEY")
    PASSWORD_HASH_METHOD = "scrypt"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # When the limit storage (Redis) is unreachable, keep counting in this process's memory
    # until it answers again instead of failing every limited request (logins) with a 500; a
    # storage error that still slips through is logged, not shown (tests/test_faults.py).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = _bool("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    RATELIMIT_SWALLOW_ERRORS = _bool("RATELIMIT_SWALLOW_ERRORS", True)
    # Per signed-in user, counted on successful posts (Flask-Limiter notation).
    DEMAND_POST_LIMIT = os.environ.get("DEMAND_POST_LIMIT", "10 per hour;30 per day")
    QUOTE_LIMIT = os.environ.get("QUOTE_LIMIT", "60 per hour")
    # Chat messages per user in any minute, counted from the stored messages (so on every
    # process alike); 0 turns the limit off. Past it: 429 over HTTP, an error ack on the socket.
    CHAT_MESSAGES_PER_MINUTE = int(os.environ.get("CHAT_MESSAGES_PER_MINUTE", "20"))
    # Login posts per client address, and failed ones per account (the login as typed, trimmed
    # and lower-cased) from any address: 429 with a message on the form.
    LOGIN_LIMIT = os.environ.get("LOGIN_LIMIT", "10 per minute")
    LOGIN_ACCOUNT_LIMIT = os.environ.get("LOGIN_ACCOUNT_LIMIT", "10 per 15 minutes")
    # Map-pin lookups (/regions/locate, public) per client address.
    LOCATE_LIMIT = os.environ.get("LOCATE_LIMIT", "60 per minute")
    # Receipt codes (收货码) a courier may enter, right or wrong, over all orders; and the wrong
    # ones after which an order can no longer be signed on the courier's phone (its buyer's own
    # phone still signs it).
    HANDOVER_LIMIT = os.environ.get("HANDOVER_LIMIT", "30 per hour")
    HANDOVER_CODE_ATTEMPTS = int(os.environ.get("HANDOVER_CODE_ATTEMPTS", "5"))
    # How long a tracking link the buyer shares stays valid (it shows nothing live once the
    # order is signed or called off).
    TRACK_LINK_HOURS = int(os.environ.get("TRACK_LINK_HOURS", "24"))
    # Socket.IO, per connection (webapp/socket_guard.py): this many messages at once, then this
    # many a second; past them events are dropped with a "rate_limited" ack, and this many drops
    # before the connection calms down close it. A page sends one or two; a courier's phone one a
    # second and, back online, a batch of queued fixes per round trip.
    SOCKET_EVENT_BURST = int(os.environ.get("SOCKET_EVENT_BURST", "30"))
    SOCKET_EVENT_RATE = float(os.environ.get("SOCKET_EVENT_RATE", "10"))
    SOCKET_EVENT_DISCONNECT = int(os.environ.get("SOCKET_EVENT_DISCONNECT", "200"))
    # A client cut off for flooding (its account, or its address if not signed in) may not open
    # a new connection on this process for this many seconds: its handshakes get 429 at once.
    SOCKET_FLOOD_PENALTY_SECONDS = float(os.environ.get("SOCKET_FLOOD_PENALTY_SECONDS", "30"))
    # Largest Socket.IO message (bytes); a websocket sending more is closed.
    SOCKET_MAX_MESSAGE_BYTES = int(os.environ.get("SOCKET_MAX_MESSAGE_BYTES", str(64 * 1024)))
    # A websocket is read at most this many bytes a second; a client sending faster waits (a
    # courier's phone back online sends ~15 KB per batch of 100 queued fixes).
    SOCKET_BYTES_PER_SECOND = int(os.environ.get("SOCKET_BYTES_PER_SECOND", str(32 * 1024)))
    # New Engine.IO sessions per client address, or per account for a signed-in session cookie
    # (webapp/socket_handshakes.py); a page load opens one.
    SOCKET_HANDSHAKE_LIMIT = os.environ.get("SOCKET_HANDSHAKE_LIMIT", "60 per minute;600 per hour")
    # Anonymous visitors' catalog pages (home, shops, a shop, search) are kept this many seconds
    # by each process and shared between visitors (webapp/shared_pages.py); 0 turns it off.
    SHARED_PAGE_SECONDS = float(os.environ.get("SHARED_PAGE_SECONDS", "2"))
    HTTPS = _bool("HTTPS", False)
    # Where people reach the app (scheme, host, any port and path prefix): absolute links, such
    # as the shop's QR code and window poster, are built on it, never on the Host header a client
    # sends. Required in production; http://127.0.0.1:5000 in development.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
    # How many proxies (nginx) stand in front and set X-Forwarded-For/-Proto; 0 trusts none, so a
    # client cannot fake its address to slip past the login limits.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Courier track points are personal data: purge them this many days after the order ends.
    TRACK_RETENTION_DAYS = int(os.environ.get("TRACK_RETENTION_DAYS", "30"))
    # Real-name application drafts (with any ID photos kept from a refused form) untouched this
    # many days are deleted by `flask purge-drafts`.
    DRAFT_RETENTION_DAYS = int(os.environ.get("DRAFT_RETENTION_DAYS", "30"))
    SESSION_COOKIE_SECURE = HTTPS
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = HTTPS
    # Set only when "keep me signed in" is ticked at login; a logout anywhere ends it.
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_COOKIE_DAYS", "30")))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # CSRF tokens live as long as the session, so a tab left open on a tablet keeps working.
    WTF_CSRF_TIME_LIMIT = None
    # A merchant's form carries up to three photos of UPLOAD_MAX_BYTES each.
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # ID and licence photos: private, outside static/, served only through a checked view.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE / "uploads")
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    # The most pixels one upload may decode into memory (64 MB of RGBA), checked before
    # decoding. Photos are stored at most 2400 px on their long side (ID and licence photos;
    # products 1200, others 1600), so a JPEG is decoded at 1/2, 1/4 or 1/8 scale when that still
    # covers it: a 48/50 MP phone photo decodes as 3-12 MP, and a JPEG may declare up to 4x this
    # (64 MP). A PNG or WebP is decoded whole: up to 16 MP (4608 x 3456).
    UPLOAD_MAX_PIXELS = int(os.environ.get("UPLOAD_MAX_PIXELS", "16000000"))
    # Photos decoded at once per process, in threads off the event loop (webapp/offload.py);
    # more wait their turn.
    UPLOAD_WORKERS = int(os.environ.get("UPLOAD_WORKERS", "2"))
    # Posts that carry a photo, per signed-in user, over every upload form (Flask-Limiter).
    UPLOAD_LIMIT = os.environ.get("UPLOAD_LIMIT", "30 per minute;300 per day")
    SIGNATURE_MAX_BYTES = 512 * 1024
    # A signature must ink at least this share of the canvas and span at least this share of
    # its width or height: a dot or a tick is refused as "too simple" (both scale with the
    # phone's pixel ratio, so they are fractions, not pixels).
    SIGNATURE_MIN_INK = 0.002
    SIGNATURE_MIN_SPAN = 0.15
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    # A courier may send at most one position per this many seconds.
    POSITION_MIN_INTERVAL = float(os.environ.get("POSITION_MIN_INTERVAL", "1.0"))
    # A placed order the shop has not accepted within this many minutes is cancelled.
    ORDER_ACCEPT_MINUTES = int(os.environ.get("ORDER_ACCEPT_MINUTES", "15"))
    # The distance an "as soon as possible" promise assumes when the shop's location or the
    # address pin is not known (webapp/shops/promise.py).
    ASAP_DEFAULT_METERS = int(os.environ.get("ASAP_DEFAULT_METERS", "3000"))
    # An order paid online that is not paid within this many minutes is cancelled, its stock
    # back on sale (the gateway's payment expires then too).
    PAYMENT_MINUTES = int(os.environ.get("PAYMENT_MINUTES", "15"))
    # A failed delivery nobody rescheduled, called off or took back within this many hours is
    # ended by the platform: the goods go back to the shop (webapp/orders/expiry.py).
    FAILED_DELIVERY_HOURS = int(os.environ.get("FAILED_DELIVERY_HOURS", "48"))
    # A refund the channel could not take is tried this many times (waits 1, 2, 4 … 60 minutes)
    # before it is marked failed for an admin.
    REFUND_ATTEMPTS = int(os.environ.get("REFUND_ATTEMPTS", "8"))
    # An after-sales refund owed at the door that its shop has not said it paid back within
    # this many days shows on the admin's after-sales queue (webapp/aftersales/door.py).
    DOOR_REFUND_OVERDUE_DAYS = int(os.environ.get("DOOR_REFUND_OVERDUE_DAYS", "3"))
    TESTING = False


class TestConfig(Config):
    APP_ENV = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SOCKETIO_MESSAGE_QUEUE = None
    SOCKETIO_ASYNC_MODE = "threading"
    TILE_URL = MAP_TILE_URL = ""
    MAP_TILE_CRS = "wgs84"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    KYC_ENCRYPTION_KEY = "hyb0mGn2Y7oqgS1kLpLz0Y2z3cZrQmP8XvV2Jd9mQyk="  # tests only
    PUBLIC_URL = "http://localhost"  # the test client's host
    RATELIMIT_ENABLED = False
    NOTIFY_IN_BACKGROUND = False  # a test sees what went out when its commit returns
    PRINTER_ALLOW_LOOPBACK = True  # the tests' printers listen on 127.0.0.1
    WTF_CSRF_ENABLED = False
    # Each test that stores a file sets its own (tmp_path); none writes into instance/.
    UPLOAD_DIR = None


KYC_KEY_FILE = INSTANCE / "kyc_key"
DEV_PUBLIC_URL = "http://127.0.0.1:5000"  # where make run serves


def _check_public_url(config: dict) -> None:
    """PUBLIC_URL without its trailing slash; refuse to start without a sound one in production
    (a guessed one would be printed on posters, the request's host is the client's to choose)."""
    value = (config.get("PUBLIC_URL") or "").strip()
    if not value:
        if config.get("APP_ENV") in {"development", "testing"} or config.get("TESTING"):
            config["PUBLIC_URL"] = DEV_PUBLIC_URL
            return
        raise RuntimeError("PUBLIC_URL is not set. Set it to the address people reach the app at, "
                           "e.g. https://xinji.example.cn (make run uses http://127.0.0.1:5000): "
                           "QR codes and posters carry it.")
    parts = urlsplit(value)
    try:
        sound = parts.scheme in {"http", "https"} and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is no number
        sound = False
    if not sound or "?" in value or "#" in value or "@" in parts.netloc:
        raise RuntimeError(f"PUBLIC_URL must be an http:// or https:// address such as "
                           f"https://xinji.example.cn, without user, query or fragment: {value!r}")
    config["PUBLIC_URL"] = value.rstrip("/")


def kyc_key(config: dict) -> bytes:
    """The Fernet key for ID numbers (check() has made sure there is one)."""
    return config["KYC_ENCRYPTION_KEY"].encode()


def _load_kyc_key(config: dict) -> None:
    if config.get("KYC_ENCRYPTION_KEY"):
        return
    if KYC_KEY_FILE.exists():
        config["KYC_ENCRYPTION_KEY"] = KYC_KEY_FILE.read_text().strip()
        return
    if config.get("APP_ENV") in {"development", "testing"} or config.get("TESTING"):
        INSTANCE.mkdir(exist_ok=True)
        key = Fernet.generate_key().decode()
        KYC_KEY_FILE.write_text(key + "\n")
        KYC_KEY_FILE.chmod(0o600)
        config["KYC_ENCRYPTION_KEY"] = key
        return
    raise RuntimeError("KYC_ENCRYPTION_KEY is not set (and there is no instance/kyc_key). "
                       "Generate one with: python -c 'from cryptography.fernet import Fernet; "
                       "print(Fernet.generate_key().decode())'")


def check(config: dict) -> None:
    """Refuse to start without the settings production needs."""
    if not config.get("SECRET_KEY"):
        if config.get("APP_ENV") in {"development", "testing"} or config.get("TESTING"):
            config["SECRET_KEY"] = "dev-only-insecure-key"
        else:
            raise RuntimeError(
                "SECRET_KEY is not set. Set it in the environment "
                "(make run keeps one in instance/secret_key), or set APP_ENV=development."
            )
    _load_kyc_key(config)
    _check_public_url(config)
    if (config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("sqlite") \
            and sqlite3.sqlite_version_info < (3, 35):
        # A courier's position is one UPDATE ... RETURNING (webapp/delivery/services.py).
        raise RuntimeError(f"SQLite 3.35 or newer is needed; this Python has "
                           f"{sqlite3.sqlite_version}. Use a newer Python or PostgreSQL.")
