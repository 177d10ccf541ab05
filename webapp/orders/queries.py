"""Finding orders for the person asking: one order they are a party to, the buyer's tabs, the
shop's board. Every read first expires what waited too long, so nobody acts on a stale order."""
from __future__ import annotations

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import Delivery, Order, ProofOfDelivery, Role, Shop, ShopStatus, Status, User
from webapp.orders.expiry import expire_overdue, overdue_cutoff
from webapp.orders.state import FINAL


def find_order_for(actor: User, order_id: int) -> Order | None:
    """The order if `actor` is its buyer, its shop's owner or its courier; else None."""
    expire_overdue(order_id=order_id)
    query = select(Order).where(Order.id == order_id)
    if actor.role is Role.BUYER:
        query = query.where(Order.buyer_id == actor.id)
    elif actor.role is Role.MERCHANT:
        query = query.join(Shop, Shop.id == Order.shop_id).where(Shop.owner_id == actor.id)
    elif actor.role is Role.COURIER:
        query = query.join(Delivery, Delivery.order_id == Order.id).where(
            Delivery.courier_id == actor.id)
    else:
        return None
    return db.session.scalar(query)


def order_to_watch(actor: User, order_id: int) -> Order | None:
    """The order, with its delivery, if `actor` is one of its current parties: its buyer, its
    assigned courier, or its shop's owner while the shop is open. One SELECT: no sweep of
    overdue orders, only this one expired if it is overdue (it then reads as cancelled)."""
    query = (select(Order).outerjoin(Delivery, Delivery.order_id == Order.id)
             .options(contains_eager(Order.delivery)).where(Order.id == order_id))
    if actor.role is Role.BUYER:
        query = query.where(Order.buyer_id == actor.id)
    elif actor.role is Role.MERCHANT:
        query = query.join(Shop, Shop.id == Order.shop_id).where(
            Shop.owner_id == actor.id, Shop.status == ShopStatus.ACTIVE)
    elif actor.role is Role.COURIER:
        query = query.where(Delivery.courier_id == actor.id)
    else:
        return None
    order = db.session.scalar(query)
    if order is not None and order.status is Status.PLACED and order.created_at < overdue_cutoff():
        expire_overdue(order_id=order.id)
        order = db.session.scalar(query.execution_options(populate_existing=True))
    return order


def order_for(actor: User, order_id: int) -> Order:
    """The order `actor` is a party to, or 404 (never a hint that someone else's exists)."""
    order = find_order_for(actor, order_id)
    if order is None:
        abort(404)
    return order


# What order lists show of each order, loaded in a fixed number of queries, not one per order;
# of the proof only what the amount due needs (not the signature image).
LISTED = (selectinload(Order.lines), joinedload(Order.shop),
          selectinload(Order.delivery).joinedload(Delivery.courier),
          selectinload(Order.proof).load_only(ProofOfDelivery.order_id, ProofOfDelivery.refund_fen))


# The buyer's tabs, as shoppers here know them, and the board's columns.
BUYER_TABS = {
    "all": (N_("全部"), None),
    "placed": (N_("待接单"), {Status.PLACED}),
    "on_the_way": (N_("配送中"), {Status.ACCEPTED, Status.DISPATCHED, Status.DELIVERING,
                               Status.DELIVERY_FAILED}),
    "to_sign": (N_("待签收"), {Status.ARRIVED}),
    "done": (N_("已完成"), {Status.COMPLETED, Status.PARTIALLY_REFUSED, Status.REFUSED}),
    "cancelled": (N_("已取消"), {Status.CANCELLED}),
}
BOARD_COLUMNS = {
    "new": (N_("新订单"), {Status.PLACED}),
    "accepted": (N_("待派单"), {Status.ACCEPTED, Status.DELIVERY_FAILED}),
    "on_the_way": (N_("配送中"), {Status.DISPATCHED, Status.DELIVERING, Status.ARRIVED}),
}


def orders_of_buyer(buyer: User, tab: str = "all") -> list[Order]:
    """The buyer's orders in one tab, newest first."""
    expire_overdue(buyer_id=buyer.id)
    query = select(Order).where(Order.buyer_id == buyer.id)
    statuses = BUYER_TABS.get(tab, BUYER_TABS["all"])[1]
    if statuses:
        query = query.where(Order.status.in_(statuses))
    return list(db.session.scalars(query.options(*LISTED).order_by(Order.id.desc())))


def buyer_tab_counts(buyer: User) -> dict[str, int]:
    """How many of the buyer's orders each tab holds."""
    rows = db.session.execute(select(Order.status, func.count()).where(
        Order.buyer_id == buyer.id).group_by(Order.status)).all()
    by_status = {status: n for status, n in rows}
    return {tab: sum(n for s, n in by_status.items() if statuses is None or s in statuses)
            for tab, (_, statuses) in BUYER_TABS.items()}


def board_orders(shop: Shop) -> tuple[list[Order], list[Order]]:
    """The shop's open orders (oldest first) and its 20 latest finished ones."""
    expire_overdue(shop_id=shop.id)
    open_orders = db.session.scalars(select(Order).options(*LISTED).where(
        Order.shop_id == shop.id, Order.status.not_in(FINAL)).order_by(Order.id))
    finished = db.session.scalars(select(Order).options(*LISTED).where(
        Order.shop_id == shop.id, Order.status.in_(FINAL)).order_by(Order.id.desc()).limit(20))
    return list(open_orders), list(finished)
