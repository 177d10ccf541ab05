"""Chat (issue 20): conversations on orders and on demands, live over Socket.IO."""
from flask import Blueprint

bp = Blueprint("chat", __name__, url_prefix="/chat")
