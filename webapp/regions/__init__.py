from flask import Blueprint

bp = Blueprint("regions", __name__, url_prefix="/regions")
