"""The checkout page, the same for a shop's cart and an accepted quote: choose an address, a
delivery window and a payment method, place the order once, or say on the form why not."""
from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Response, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import inspect

from webapp.addresses import services as address_services
from webapp.models import Order, PaymentMethod
from webapp.models.order import ONLINE
from webapp.orders import autoaccept
from webapp.orders.forms import CheckoutForm
from webapp.orders.shown import Shown, parse
from webapp.orders.terms import Terms
from webapp.web import ServiceError, redirect_to, render


def checkout_page(form: CheckoutForm, place: Callable[[Terms], Order | int], *, page: str,
                  fragment: str, placed: str, raise_statuses: tuple[int, ...],
                  shows: Callable[[dict], Shown],
                  changed_since: Callable[[Shown, dict], ServiceError | None],
                  refused: Callable[[ServiceError], dict] | None = None,
                  brief: Callable[[ServiceError, dict], Response | None] | None = None, **ctx):
    """Show the form (a new idempotency key, the chosen or first address) or place the order
    (`place` answers the order, or its id).

    A refusal with a status in `raise_statuses` is the page's (404, 403); any other goes on the
    form, keeping everything chosen, and `refused` may refresh what the page shows around it;
    `brief(error, ctx)` may answer such a refusal instead of the form (webapp/orders/refused.py).
    `shows(ctx)` is what the page draws from its context: the form carries it back (`shown`),
    always as drawn now, so a page drawn again after a change carries the new figures; a form
    refused for a field also says what `changed_since` the figures it carried, if anything.
    """
    status = 200
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_hex(16)
        chosen = address_services.find_own(current_user, request.args.get("address", type=int))
        chosen = chosen or next(iter(form.addresses.values()), None)
        form.address_id.data = chosen.id if chosen else None
    if form.validate_on_submit():
        try:
            placed_order = place(form.terms())
        except ServiceError as error:
            if error.status in raise_statuses:
                raise
            form.form_errors.append(error.message)
            status = error.status
            ctx.update(refused(error) if refused else {})
            if brief is not None and (answer := brief(error, ctx)) is not None:
                return answer
        else:
            # The id from the identity key: order.id would reload the row the commit expired.
            order_id = (placed_order if isinstance(placed_order, int)
                        else inspect(placed_order).identity[0])
            if PaymentMethod(form.payment_method.data) in ONLINE:  # to the gateway, then the shop
                flash(_("订单已创建，请完成支付，商家收到付款后才会接单。"), "success")
                return redirect_to(url_for("payments.pay_page", order_id=order_id))
            if autoaccept.after_placed(order_id, form.shop):
                placed = _("下单成功，商家已自动接单。")
            flash(placed, "success")
            return redirect_to(url_for("orders.detail", order_id=order_id))
    elif form.errors:
        status = 422
        if not form.shown.errors and (change := changed_since(parse(form.shown.data), ctx)):
            form.form_errors.append(change.message)
    form.shown.data = shows(ctx).text()
    return render(page, fragment, status=status, form=form, **ctx)
