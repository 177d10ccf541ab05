from flask import Blueprint

# Handing over (issue 19): the courier's phone signing for whoever receives the goods, and the
# tracking link a buyer shares. Its pages sit under /delivery, /orders and /t.
bp = Blueprint("handover", __name__)
