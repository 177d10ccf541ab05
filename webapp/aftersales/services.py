"""After-sales requests as each party reads and moves them. Every read first answers a deadline
that has passed (the shop's silence is agreement, and so on: state.TIMED), as `flask
aftersales sweep` does for all of them from cron, so nobody acts on a stale request."""
from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from webapp import paging
from webapp.aftersales import moves, policy
from webapp.aftersales.state import TIMED, Action, Status
from webapp.extensions import db
from webapp.models import AfterSale, Order, Role, Shop, User
from webapp.orders.transitions import SYSTEM
from webapp.paging import Key, Page
from webapp.payments.refunds import send_due
from webapp.web import Conflict, ServiceError

A = Action
# What an action must be given in words, and how long they may be.
NEEDS_WORDS = {A.REFUSE: 500, A.ESCALATE: 500, A.SHIP: 200, A.RULE_FOR_BUYER: 500,
               A.RULE_FOR_SHOP: 500}
PAGE = 20
# The shop's requests waiting for it (its answer, or its receipt), soonest deadline first.
SHOP_WAITING = (Status.REQUESTED, Status.RETURNING)
SHOP_TABS = ("waiting", "refund", "all")  # refund: door refunds owed (door.shop_owed)
WAITING_KEY = (Key(AfterSale.due_at), Key(AfterSale.id))
NEWEST_KEY = (Key(AfterSale.id, descending=True),)
QUEUE_KEY = (Key(AfterSale.id),)


def _scoped(actor: User, request_id: int):
    query = select(AfterSale).where(AfterSale.id == request_id)
    if actor.role is Role.BUYER:
        return query.where(AfterSale.buyer_id == actor.id)
    if actor.role is Role.MERCHANT:
        return query.join(Shop, Shop.id == AfterSale.shop_id).where(Shop.owner_id == actor.id)
    if actor.role is Role.ADMIN:
        return query
    return None


def request_for(actor: User, request_id: int) -> AfterSale:
    """The request if `actor` is its buyer, its shop's owner or an admin, its deadline answered
    if it has passed; else 404 (never a hint that another's exists)."""
    query = _scoped(actor, request_id)
    request = db.session.scalar(query) if query is not None else None
    if request is None:
        abort(404)
    return settle_overdue(request)


def settle_overdue(request: AfterSale) -> AfterSale:
    """Answer the request's passed deadline as the table says (TIMEOUT), once: a sweep or
    another reader that got there first leaves it as they made it."""
    if request.status not in TIMED or request.due_at is None or request.due_at > policy.now():
        return request
    try:
        target = moves.apply(request, A.TIMEOUT, SYSTEM)
        moves.finish(request)
    except Conflict:
        db.session.expire_all()
        return db.session.get(AfterSale, request.id)
    if target is Status.REFUNDED:
        send_due(order_id=request.order_id)
    return request


def act(request_id: int, actor: User, action: Action, note: str = "") -> AfterSale:
    """Take `action` on the request as `actor` (with the words it needs), commit, and send a
    refund it made owed."""
    request = request_for(actor, request_id)
    note = (note or "").strip()
    limit = NEEDS_WORDS.get(action)
    if limit is not None:
        moves.check(request, action, actor)  # a stale tab: 409 before "say why"
        if not note or len(note) > limit:
            raise ServiceError(_("请填写说明（不超过 %(n)s 字）。", n=limit), 422)
    target = moves.apply(request, action, actor, note)
    moves.finish(request)
    if target is Status.REFUNDED:
        send_due(order_id=request.order_id)
    return db.session.get(AfterSale, request_id)


def sweep(limit: int = 500) -> int:
    """Answer every passed deadline (cron): how many requests moved."""
    ids = db.session.scalars(select(AfterSale.id).where(
        AfterSale.status.in_(TIMED), AfterSale.due_at <= policy.now())
        .order_by(AfterSale.due_at, AfterSale.id).limit(limit)).all()
    moved = 0
    for request_id in ids:
        request = db.session.get(AfterSale, request_id)
        before = request.status
        moved += settle_overdue(request).status != before
    return moved


def requests_of_order(order: Order) -> list[AfterSale]:
    """The order's requests, oldest first, their passed deadlines answered."""
    found = db.session.scalars(select(AfterSale).where(AfterSale.order_id == order.id)
                               .order_by(AfterSale.seq)).all()
    return [settle_overdue(request) for request in found]


def _settled(page: Page) -> Page:
    for request in page.items:
        settle_overdue(request)
    return page


def shop_page(shop: Shop, tab: str, after: tuple | None) -> Page:
    """A page of the shop's requests: those waiting for it by deadline, or all newest first."""
    query = select(AfterSale).where(AfterSale.shop_id == shop.id).options(
        selectinload(AfterSale.lines))
    if tab == "waiting":
        sweep_shop(shop)
        return paging.keyset(query.where(AfterSale.status.in_(SHOP_WAITING)), WAITING_KEY,
                             after, PAGE)
    return _settled(paging.keyset(query, NEWEST_KEY, after, PAGE))


def sweep_shop(shop: Shop) -> None:
    """Answer the shop's passed deadlines before its list is read (the list is by deadline)."""
    ids = db.session.scalars(select(AfterSale.id).where(
        AfterSale.shop_id == shop.id, AfterSale.status.in_(TIMED),
        AfterSale.due_at <= policy.now())).all()
    for request_id in ids:
        settle_overdue(db.session.get(AfterSale, request_id))


def admin_queue(after: tuple | None) -> Page:
    """The requests escalated to the platform, oldest first."""
    return paging.keyset(select(AfterSale).where(AfterSale.status == Status.ESCALATED),
                         QUEUE_KEY, after, PAGE)


def escalated_count() -> int:
    return db.session.scalar(select(func.count(AfterSale.id)).where(
        AfterSale.status == Status.ESCALATED))
