from flask import Blueprint

from webapp.request_costs import sessionless

bp = Blueprint("pwa", __name__)
# The service worker is the same for everyone, and every navigation asks for it: no session.
bp.sessionless_paths = {"/sw.js"}
bp.record(sessionless)
