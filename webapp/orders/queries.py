"""Finding orders for the person asking: one order they are a party to, the buyer's tabs, the
shop's board. Every read first expires what waited too long, so nobody acts on a stale order.

The tabs and the board's columns are read a page at a time (webapp/paging.py), keyed by the
order's id. A tab or column of several statuses is read as one index range per status
((buyer_id, status, id) or (shop_id, status, id)), each cut at the page's size, merged: a page
costs O(page × statuses) however many orders the buyer or shop has had; counts are one grouped
COUNT on the same index."""
from __future__ import annotations

from collections.abc import Collection

from flask import abort
from sqlalchemy import func, select, union_all
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from webapp import paging
from webapp.extensions import db
from webapp.i18n import N_
from webapp.models import (
    Delivery,
    Order,
    OrderReturn,
    ProofOfDelivery,
    Role,
    Shop,
    ShopStatus,
    Status,
    User,
)
from webapp.orders.expiry import expire_overdue, is_overdue
from webapp.orders.return_state import ReturnStatus
from webapp.orders.state import FINAL
from webapp.paging import Key, Page


def find_order_for(actor: User, order_id: int) -> Order | None:
    """The order if `actor` is its buyer, its shop's owner or its courier; else None."""
    expire_overdue(order_id=order_id)
    query = select(Order).where(Order.id == order_id)
    if actor.role is Role.BUYER:
        query = query.where(Order.buyer_id == actor.id)
    elif actor.role is Role.MERCHANT:
        # An order awaiting its online payment is not the shop's yet (not on its board either).
        query = query.join(Shop, Shop.id == Order.shop_id).where(
            Shop.owner_id == actor.id, Order.status != Status.AWAITING_PAYMENT)
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
        # An order awaiting its online payment is not the shop's yet (not on its board either).
        query = query.join(Shop, Shop.id == Order.shop_id).where(
            Shop.owner_id == actor.id, Shop.status == ShopStatus.ACTIVE,
            Order.status != Status.AWAITING_PAYMENT)
    elif actor.role is Role.COURIER:
        query = query.where(Delivery.courier_id == actor.id)
    else:
        return None
    order = db.session.scalar(query)
    if order is not None and is_overdue(order):
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
          selectinload(Order.proof).load_only(ProofOfDelivery.order_id, ProofOfDelivery.refund_fen),
          selectinload(Order.goods_return))


# The buyer's tabs, as shoppers here know them, and the board's columns.
BUYER_TABS = {
    "all": (N_("全部"), None),
    "to_pay": (N_("待付款"), {Status.AWAITING_PAYMENT}),
    "placed": (N_("待接单"), {Status.PLACED}),
    "on_the_way": (N_("配送中"), {Status.ACCEPTED, Status.DISPATCHED, Status.DELIVERING,
                               Status.DELIVERY_FAILED}),
    "to_sign": (N_("待签收"), {Status.ARRIVED}),
    "done": (N_("已完成"), {Status.COMPLETED, Status.PARTIALLY_REFUSED, Status.REFUSED}),
    "cancelled": (N_("已取消"), {Status.CANCELLED, Status.RETURNED}),
}
BOARD_COLUMNS = {
    "new": (N_("新订单"), {Status.PLACED}),
    "accepted": (N_("待派单"), {Status.ACCEPTED, Status.DELIVERY_FAILED}),
    "on_the_way": (N_("配送中"), {Status.DISPATCHED, Status.DELIVERING, Status.ARRIVED}),
}


# Page sizes, each about two screens (the next page loads as the reader reaches the "more" row,
# so a small page costs nothing to scroll and keeps every page's first screen as light as a
# small shop's, bench/test_growth.py): the buyer's orders on a phone; a board column on a
# tablet (the open columns, oldest first, rarely reach it; on a 1024x768 tablet a column of
# four shows two to three cards a screen, so 5 is two screens, 8 was three); the board's
# finished orders (4: two screens of history nobody acts on).
BUYER_PAGE = 12
BOARD_PAGE = 5
FINISHED_PAGE = 4
DONE = "done"  # the board's column of finished orders (FINAL), after BOARD_COLUMNS
CURSOR = (Key(Order.id),)  # what a list's ?after= holds: the last order's id


def merged_ids(where: tuple, statuses: Collection[Status], after: tuple | None, size: int,
                descending: bool):
    """The ids of the first size + 1 orders after `after` in each of `statuses` (one index range
    each), as one UNION ALL: the page is among them, whatever else the statuses hold."""
    ordered = Order.id.desc() if descending else Order.id.asc()
    beyond = () if after is None else (Order.id < after[0] if descending else Order.id > after[0],)
    ranges = [select(Order.id).where(*where, Order.status == status, *beyond)
              .order_by(ordered).limit(size + 1).subquery() for status in sorted(statuses)]
    return union_all(*(select(part.c.id) for part in ranges))


def order_page(where: tuple, statuses: Collection[Status] | None, after: tuple | None, size: int,
               descending: bool = True, ids_only: bool = False) -> Page:
    """A page of the orders matching `where` (the buyer's or the shop's), in `statuses` (None:
    all), by id, with what lists show of each (LISTED); `ids_only`: rows of their ids."""
    query = select(Order.id) if ids_only else select(Order).options(*LISTED)
    if statuses is None:
        query = query.where(*where)
    else:
        query = query.where(Order.id.in_(merged_ids(where, statuses, after, size, descending)))
    return paging.keyset(query, (Key(Order.id, descending),), after, size, scalars=not ids_only)


def _loaded(pages: dict[str, Page]) -> dict[str, Page]:
    """Pages of ids as pages of orders, all read (with LISTED) in one query."""
    ids = [row.id for page in pages.values() for row in page.items]
    orders = {order.id: order for order in db.session.scalars(
        select(Order).options(*LISTED).where(Order.id.in_(ids))).unique()} if ids else {}
    return {key: Page([orders[row.id] for row in page.items], page.next)
            for key, page in pages.items()}


def orders_of_buyer(buyer: User, tab: str = "all", after: tuple | None = None) -> Page:
    """A page of the buyer's orders in one tab, newest first, after the cursor's order."""
    expire_overdue(buyer_id=buyer.id)
    statuses = BUYER_TABS.get(tab, BUYER_TABS["all"])[1]
    return order_page((Order.buyer_id == buyer.id,), statuses, after, BUYER_PAGE)


def buyer_tab_counts(buyer: User) -> dict[str, int]:
    """How many of the buyer's orders each tab holds."""
    by_status = _counts(Order.buyer_id == buyer.id)
    return {tab: sum(n for s, n in by_status.items() if statuses is None or s in statuses)
            for tab, (_, statuses) in BUYER_TABS.items()}


def _counts(where) -> dict[Status, int]:
    """Orders by status: one grouped COUNT on the (owner, status, id) index."""
    return dict(db.session.execute(select(Order.status, func.count()).where(where)
                                   .group_by(Order.status)).all())


def board_column(shop: Shop, column: str, after: tuple | None = None,
                 ids_only: bool = False) -> Page:
    """A page of one board column: an open one oldest first, the finished orders newest first."""
    if column == DONE:
        return order_page((Order.shop_id == shop.id,), FINAL, after, FINISHED_PAGE,
                          ids_only=ids_only)
    return order_page((Order.shop_id == shop.id,), BOARD_COLUMNS[column][1], after, BOARD_PAGE,
                      descending=False, ids_only=ids_only)


def board_page(shop: Shop, column: str, after: tuple | None) -> Page:
    """The page of `column` after `after`, for its "more" row."""
    expire_overdue(shop_id=shop.id)
    return board_column(shop, column, after)


def board_orders(shop: Shop, column: str | None = None,
                 after: tuple | None = None) -> tuple[dict[str, Page], dict[str, int]]:
    """The first page of each board column (of `column`, the page after `after`) and how many
    orders each column holds."""
    expire_overdue(shop_id=shop.id)
    pages = _loaded({key: board_column(shop, key, after if key == column else None, True)
                     for key in (*BOARD_COLUMNS, DONE)})
    by_status = _counts(Order.shop_id == shop.id)
    counts = {key: sum(by_status.get(s, 0) for s in statuses)
              for key, (_, statuses) in BOARD_COLUMNS.items()}
    counts[DONE] = sum(by_status.get(s, 0) for s in FINAL)
    return pages, counts


# The board's returns awaiting confirmation: the oldest first, this many at most (each one the
# shop confirms makes room for the next; the heading counts them all).
RETURNS_SHOWN = 10


def awaited_returns(shop: Shop) -> tuple[list[OrderReturn], int]:
    """The shop's goods coming back that it has not confirmed receiving, longest waiting first
    (at most RETURNS_SHOWN, with their orders and lines), and how many there are in all."""
    expire_overdue(shop_id=shop.id)  # a failed delivery left too long comes back now
    where = (OrderReturn.shop_id == shop.id, OrderReturn.status == ReturnStatus.AWAITED)
    shown = list(db.session.scalars(
        select(OrderReturn).where(*where)
        .options(joinedload(OrderReturn.order).selectinload(Order.lines))
        .order_by(OrderReturn.created_at, OrderReturn.id).limit(RETURNS_SHOWN)))
    count = len(shown) if len(shown) < RETURNS_SHOWN else db.session.scalar(
        select(func.count()).select_from(OrderReturn).where(*where))
    return shown, count
