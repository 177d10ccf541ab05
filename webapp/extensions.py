"""Extensions, created unbound; create_app() binds them."""
from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_wtf import CSRFProtect

from webapp.database import db
from webapp.request_costs import Talisman  # CSP written once per policy

__all__ = [
    "babel", "csrf", "db", "htmx", "limiter", "login_manager", "migrate", "socketio", "talisman",
]

migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
# No "session protection": in its default ("basic") mode Flask-Login writes `_fresh = False` into
# any session that lacks its identifier, an anonymous one holding only a form token included, so
# the first background request after the login page (the service worker fetching /offline to
# precache it) answered with a Set-Cookie of the anonymous session; arriving after the login's
# answer, it logged the person out again. Nothing here asks for a "fresh" login, and revoking
# sessions is done by their generation (webapp/auth/sessions.py).
login_manager.session_protection = None
csrf = CSRFProtect()
htmx = HTMX()
socketio = SocketIO()
limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()
babel = Babel()
