"""Auto-accept (issue 21): a shop that turned it on has each new order accepted as it arrives,
by its owner, through the same service as the board's 接单 button (webapp/orders/actions.py),
so the state table, the event and the announcements are the button's."""
from __future__ import annotations

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Order, Shop, ShopStatus, Status, User
from webapp.orders import actions
from webapp.web import ServiceError


def after_placed(order_id: int, shop: Shop | None = None) -> bool:
    """Accept the order now if its shop auto-accepts and it still waits on the board; whether
    it was accepted here (an order the owner accepted or the buyer cancelled meanwhile is
    left as it is). With the `shop` the checkout loaded, a shop that does not auto-accept
    costs no statement."""
    if shop is not None and not shop.auto_accept:
        return False
    row = db.session.execute(
        select(Shop.owner_id).join(Order, Order.shop_id == Shop.id).where(
            Order.id == order_id, Order.status == Status.PLACED, Shop.auto_accept.is_(True),
            Shop.status == ShopStatus.ACTIVE)).first()
    if row is None:
        return False
    owner = db.session.get(User, row.owner_id)
    try:
        actions.accept(order_id, owner)
    except ServiceError:
        db.session.rollback()
        return False
    return True
