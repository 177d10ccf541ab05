"""The notification centre: one hub (hub.notify) every event worth telling goes through,
stored for the in-app list and bell, sent live, as Web Push and as SMS per each person's
settings."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
