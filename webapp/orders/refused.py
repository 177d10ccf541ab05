"""A cart checkout refused for what its lines hold (a line sold out, short or off sale),
answered to the checkout form on the page with the message and the cart's lines only.

Most checkouts in a rush for the last units are such refusals, and drawing the whole form
again (address book, windows, payment, note, as the buyer chose them) was most of what one
cost. The lines and the message are all that changed: htmx swaps them out of band into the
form, whose fields keep what the buyer chose (HX-Reswap: none). A refusal the cart decides as
this request read it is answered before the form is even built or the address book read: it
writes nothing, and the form is validated when it is posted again. CSRF is checked before any
view (CSRFProtect). Anything else, and any request but an htmx post from the form itself,
gets the whole form (or the page) as before.
"""
from __future__ import annotations

import re

from flask import Response, request
from flask_login import current_user
from sqlalchemy import and_, bindparam

from webapp.cart.services import SHOP_CART, ShopCart, shop_cart
from webapp.models import Order
from webapp.orders.checkout import cart_refusal
from webapp.orders.shown import of_cart
from webapp.web import ServiceError, render, wants_fragment

FORM_ID = "checkout-form"
# Sent by a form drawn with a field's error (its hx-headers): the next refusal redraws it all.
REDRAW_HEADER = "X-Checkout-Redraw"
_KEY = re.compile(r"[0-9a-f]{32}")


def brief_refusal(cart: ShopCart, error: ServiceError) -> Response | None:
    """The refusal as the message and `cart`'s lines (as they are now), if the form on the page
    asked and shows the cart's figures as they are now; None: draw the form again."""
    headers = request.headers
    if (not wants_fragment() or headers.get("HX-Target") != FORM_ID
            or REDRAW_HEADER in headers or request.form.get("shown") != of_cart(cart).text()):
        return None
    response = render("orders/checkout.html", "orders/_checkout_refused.html",
                      status=error.status, message=error.message, cart=cart)
    response.headers["HX-Reswap"] = "none"
    return response


# The cart read with the order this key placed, if any, in the same statement: a refusal the
# cart decides as read needs both, and they agree (one snapshot). (buyer, key) is unique: the
# join adds no row.
_CART_AND_KEY = SHOP_CART.add_columns(Order.id).outerjoin(
    Order, and_(Order.buyer_id == bindparam("buyer_id"), Order.idempotency_key == bindparam("key")))


def checkout_cart(shop_id: int) -> tuple[ShopCart, Response | None]:
    """The buyer's cart at the shop; and, for a post the cart refuses as read whose key placed
    no order, the brief answer (None: the form's own path answers, placing the order, saying
    why not, or answering with the order this key placed)."""
    key = request.form.get("idempotency_key", "") if request.method == "POST" else ""
    if not _KEY.fullmatch(key):
        return shop_cart(current_user, shop_id)[0], None
    cart, (placed,) = shop_cart(current_user, shop_id, _CART_AND_KEY, key=key)
    if placed is not None or (error := cart_refusal(cart)) is None:
        return cart, None
    return cart, brief_refusal(cart, error)
