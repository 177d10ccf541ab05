from flask import Blueprint

bp = Blueprint("demands", __name__, url_prefix="/demands")
