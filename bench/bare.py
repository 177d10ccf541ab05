"""Baselines served by the same gunicorn config as the app: a bare Flask route and a bare
python-socketio server doing the same fan-out as a courier's position."""
import socketio
from flask import Flask

flask_app = Flask(__name__)


@flask_app.get("/")
def ok():
    return "ok"


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
