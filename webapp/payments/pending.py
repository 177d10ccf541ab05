"""Closing an order's unpaid payments: the order was cancelled or expired before it was paid.
Apart from webapp/payments/records.py, which settles payments and then may accept the order
(webapp/orders/autoaccept.py): the order services that cancel and expire import this alone."""
from __future__ import annotations

from webapp.cas import update_where
from webapp.models import Order, Payment, utcnow
from webapp.payments.state import PaymentState


def close_pending(order: Order) -> None:
    """Close the order's unpaid payments here (cancelled or expired before payment); one paid
    on the gateway's side after all is settled as a late payment and owed back."""
    update_where(Payment, Payment.order_id == order.id, Payment.status == PaymentState.PENDING,
                 status=PaymentState.CLOSED, closed_at=utcnow())
