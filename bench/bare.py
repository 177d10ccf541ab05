"""Baselines served by the same gunicorn config as the app: a bare Flask route, a bare
conditional stock decrement on the app's database, and a bare python-socketio server doing the
same fan-out as a courier's position."""
import os

import socketio
import sqlalchemy as sa
from flask import Flask

flask_app = Flask(__name__)


@flask_app.get("/")
def ok():
    return "ok"


# The table the decrement route sells from (bench/test_checkout.py creates and fills it), in the
# database the app uses (DATABASE_URL, as tests/support/live.py base_env sets it).
route_stock = sa.Table("bench_route_stock", sa.MetaData(),
                       sa.Column("id", sa.Integer, primary_key=True), sa.Column("stock", sa.Integer))
_engine: sa.Engine | None = None


def _database() -> sa.Engine:
    global _engine
    if _engine is None:
        _engine = sa.create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
        if _engine.dialect.name == "sqlite":
            # What the app sets on its SQLite connections (webapp/__init__.py): wait, don't fail.
            sa.event.listen(_engine, "connect", lambda connection, _: connection.execute(
                "PRAGMA busy_timeout=5000"))
    return _engine


@flask_app.post("/decrement")
def decrement():
    """Only the checkout's stock statement: one short transaction, no ORM, session or page."""
    with _database().begin() as connection:
        taken = connection.execute(
            sa.update(route_stock).where(route_stock.c.id == 1, route_stock.c.stock >= 1)
            .values(stock=route_stock.c.stock - 1)).rowcount
    return ("sold", 303, {"Location": "/"}) if taken else ("out", 409)


sio = socketio.Server(async_mode="gevent")


@sio.on("watch")
def watch(sid, data):
    sio.enter_room(sid, "watchers")
    return {"ok": True}


@sio.on("position")
def position(sid, data):
    sio.emit("delivery:position", data, to="watchers")
    return {"ok": True}


app = socketio.WSGIApp(sio, flask_app)
