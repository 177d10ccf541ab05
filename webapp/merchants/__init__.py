from flask import Blueprint

bp = Blueprint("merchants", __name__, url_prefix="/merchant")
