"""Sessions that can be revoked: the id Flask-Login keeps in the session and in the remember
cookie is "<user id>:<generation>", and raising the account's generation (logout, a new
password) ends every session and remember cookie of it at once, copies included."""
from __future__ import annotations

import re

from flask import current_app, g, request, session
from flask_login import UserMixin, current_user
from sqlalchemy import bindparam, func, select, true

from webapp.extensions import db, socketio
from webapp.models import CartItem, User
from webapp.realtime import emit_after_commit, user_room
from webapp.web import MAX_ID

_SESSION_ID = re.compile(r"(\d{1,10}):(\d{1,10})", re.ASCII)
_LOGIN_KEYS = ("_user_id", "_fresh", "_id")
# The user and the items in their carts, in one statement built once: every signed-in request
# loads the user, and a kept page (webapp/signed_in_pages.py) needs nothing else of theirs.
# (The count is joined after FROM user, so the statement reads as the user's.)
_CART = select(func.sum(CartItem.quantity).label("quantity")).where(
    CartItem.user_id == bindparam("id")).subquery()
_LOGIN = select(User, func.coalesce(_CART.c.quantity, 0)).outerjoin(_CART, true()).where(
    User.id == bindparam("id"))
# The same for a kept page (LightUser): the columns it needs, read without making an entity.
_LIGHT = select(User.id, User.role, User.display_name, User.active, User.session_generation,
                func.coalesce(_CART.c.quantity, 0)).outerjoin(_CART, true()).where(
    User.id == bindparam("id"))


def _login_id(session_id: str) -> tuple[int, int] | None:
    match = _SESSION_ID.fullmatch(session_id) if isinstance(session_id, str) else None
    if match is None or not 0 < int(match[1]) <= MAX_ID:
        return None
    return int(match[1]), int(match[2])


def user_for(session_id: str) -> User | None:
    """The active user whose current generation `session_id` names; any other id (an old
    generation, the plain user id sessions carried before, garbage) is nobody."""
    login = _login_id(session_id)
    row = db.session.execute(_LOGIN, {"id": login[0]}).first() if login else None
    user = row[0] if row else None
    if user is None or not user.active or user.session_generation != login[1]:
        g.stale_login = True
        return None
    user.cart_items_at_login = row[1]  # the top bar's count on a kept page (signed_in_pages)
    return user


class LightUser(UserMixin):
    """The signed-in user of a kept page's request (webapp/signed_in_pages.py), read as one row
    without the ORM: what the login checks and the kept page fill in. Anything else asked of it
    loads the `User` and answers from it, so a page rendered in full still works (at the cost of
    a second query)."""

    def __init__(self, row) -> None:
        (self.id, self.role, self.display_name, self.active, self.session_generation,
         self.cart_items_at_login) = row

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        full = self.__dict__.get("_user")
        if full is None:
            full = self.__dict__["_user"] = db.session.get(User, self.id)
        return getattr(full, name)


def light_user_for(session_id: str, *, own_connection: bool = False) -> LightUser | None:
    """`user_for` for a request that needs only these columns: the same checks, the row read
    by Core. With `own_connection` (a kept page: it opens no ORM session at all, and a third of
    its database cost was the session's setup and teardown around one SELECT) on a connection
    of its own; otherwise on the session's, which the rest of the request goes on to use (a
    second connection per request made the pool open and close more of them under load)."""
    login = _login_id(session_id)
    row = None
    if login and own_connection:
        with db.engine.connect() as connection:
            row = connection.execute(_LIGHT, {"id": login[0]}).first()
    elif login:
        row = db.session.connection().execute(_LIGHT, {"id": login[0]}).first()
    if row is None or not row.active or row.session_generation != login[1]:
        g.stale_login = True
        return None
    return LightUser(row)


def end_sessions(user: User) -> None:
    """Revoke every session and remember cookie of `user` when the caller commits; their open
    pages hear "session:ended" (and reload)."""
    user.session_generation = (user.session_generation or 0) + 1
    emit_after_commit(db.session, "session:ended", {}, user_room(user.id))


def close_sockets(user_id: int) -> None:
    """Disconnect this process's sockets of the user and empty their room on every process.

    A socket keeps the session it connected with, and each of its events loads the user anew
    from it, so after end_sessions() its events are refused as anonymous. Its rooms would still
    deliver: the sockets on this process are disconnected here; those on another process (only
    there is a message queue) are told "session:ended" and leave their user room with
    close_room, and a page that ignores both still cannot reconnect."""
    room = user_room(user_id)
    server = socketio.server
    if server is None:
        return
    for sid, _ in list(server.manager.get_participants("/", room)):
        server.disconnect(sid, namespace="/")
    socketio.close_room(room)


def forget_stale_login(response):
    """Drop a login whose id was refused (logged out elsewhere, an old-format id) from the
    session, and clear the remember cookie that brought it, so the browser stops sending both.
    (A login not looked up because the database was away is kept.)"""
    if g.pop("stale_login", False) and not current_user.is_authenticated:
        for key in _LOGIN_KEYS:
            session.pop(key, None)
        if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
            session["_remember"] = "clear"
    return response
