"""Order tickets (小票): a page per order styled for 58 mm and 80 mm thermal paper, and the same
ticket sent as ESC/POS to the shop's network printer, by itself when the shop accepts an order
and again on demand."""
from flask import Blueprint

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
