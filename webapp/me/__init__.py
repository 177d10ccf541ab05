"""我的 (Me): each person's own account: profile, password, language, privacy policy, deletion."""
from flask import Blueprint

bp = Blueprint("me", __name__)
