"""Deleting an account (PIPL art. 47; the E-commerce Law's art. 24): what is refused, what is
erased, what stays as a record without the person's identity.

Refused while something is still under way that needs the person: a buyer's open orders and
after-sales requests, a courier's open deliveries, a merchant's shop with open orders,
after-sales requests or returns to confirm, the platform's last admin. Otherwise, in one
transaction: the name becomes 已注销用户, email, mobile and password are cleared, the account is
inactive with every session ended; the address book, carts, notifications, notification
settings, Web Push subscriptions and SMS codes of the number are deleted; the buyer's open
demands are closed first (their live quotes not chosen); the recipient name and mobile kept on
the person's orders are blanked. The user row, orders, proofs of delivery (their signed digest
must still verify), reviews and chat messages (shown under the new name) and after-sales records
stay. The proofs of the orders the person bought lose the signer's typed name
(已注销用户 instead) and the signature image where they were sealed with scheme 5 (from
migration 0034), whose digest covers the two by their hashes (the name's salt is erased too, so
its hash cannot be matched against guessed names): the rest of the proof still verifies, and the
proof page says what was erased and when. A proof sealed before (schemes 1-4) keeps both: its
digest covers the name and the image themselves, and erasing either would make a true proof
read as altered. The order events that name the signer (signed, signed with refusals, refused
at the door) name 已注销用户 instead on all those orders, whatever their proof's scheme: no
digest covers an event. A courier's deletion erases no proof (one signed on their phone holds
the recipient's hand and name, the buyer's evidence); the assignment events that name them do.
A merchant's shop is closed (ShopStatus.CLOSED): hidden from buyers and search for good;
its couriers keep their own accounts, which they may delete themselves (a deleted courier
leaves the shop's list of couriers); the verification file is kept as the E-commerce Law's
art. 27 and 31 ask (3 years), then erased by the platform.
The audit log gets one row with the account's id and role, nothing personal.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash

from webapp import audit
from webapp.aftersales.state import FINAL as AFTER_SALE_FINAL
from webapp.auth.sessions import close_sockets, end_sessions
from webapp.demands.decisions import close_demand
from webapp.extensions import db
from webapp.models import (
    Address,
    AfterSale,
    CartItem,
    Delivery,
    Demand,
    DemandStatus,
    EventKind,
    Notification,
    NotificationSetting,
    Order,
    OrderEvent,
    OrderReturn,
    ProofOfDelivery,
    PushSubscription,
    Role,
    Shop,
    ShopStatus,
    User,
    utcnow,
)
from webapp.models.sms_code import SmsCode
from webapp.models.user import DELETED_NAME
from webapp.orders.events import SIGNER_EVENTS
from webapp.orders.proof import erase_signer
from webapp.orders.return_state import ReturnStatus
from webapp.orders.state import FINAL as ORDER_FINAL
from webapp.realtime import close_after_commit, emit_after_commit, shop_room, user_room

CONFIRM_WORDS = frozenset({"注销", "delete"})


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


def _open_orders(*where) -> int:
    return _count(select(func.count(Order.id)).where(*where, Order.status.not_in(ORDER_FINAL)))


def _open_after_sales(*where) -> int:
    return _count(select(func.count(AfterSale.id)).where(
        *where, AfterSale.status.not_in(AFTER_SALE_FINAL)))


def open_business(user: User) -> list[str]:
    """What stops `user` deleting the account now, one sentence each (empty: nothing)."""
    reasons = []
    if user.role is Role.BUYER:
        if n := _open_orders(Order.buyer_id == user.id):
            reasons.append(_("未完成的订单：%(num)d 个", num=n))
        if n := _open_after_sales(AfterSale.buyer_id == user.id):
            reasons.append(_("处理中的售后申请：%(num)d 个", num=n))
    elif user.role is Role.COURIER:
        if n := _count(select(func.count(Delivery.id)).join(Order, Order.id == Delivery.order_id)
                       .where(Delivery.courier_id == user.id, Order.status.not_in(ORDER_FINAL))):
            reasons.append(_("未完成的配送：%(num)d 个", num=n))
    elif user.role is Role.MERCHANT:
        reasons += _shop_business(user)
    elif user.role is Role.ADMIN and _count(select(func.count(User.id)).where(
            User.role == Role.ADMIN, User.active.is_(True))) <= 1:
        reasons.append(_("这是平台唯一的管理员账号"))
    return reasons


def _shop_business(user: User) -> list[str]:
    shop_id = db.session.scalar(select(Shop.id).where(Shop.owner_id == user.id))
    if shop_id is None:
        return []
    reasons = []
    if n := _open_orders(Order.shop_id == shop_id):
        reasons.append(_("店铺未完成的订单：%(num)d 个", num=n))
    if n := _open_after_sales(AfterSale.shop_id == shop_id):
        reasons.append(_("店铺处理中的售后申请：%(num)d 个", num=n))
    if n := _count(select(func.count(OrderReturn.id)).where(
            OrderReturn.shop_id == shop_id, OrderReturn.status == ReturnStatus.AWAITED)):
        reasons.append(_("店铺待确认的退货：%(num)d 件", num=n))
    return reasons


def password_matches(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash, password or "")


def confirmed(text: str) -> bool:
    return (text or "").strip().lower() in CONFIRM_WORDS


def delete_account(user: User) -> None:
    """Erase and anonymise `user` as the module says (the caller has checked the password, the
    typed confirmation and open_business)."""
    for demand_id in db.session.scalars(select(Demand.id).where(
            Demand.buyer_id == user.id, Demand.status == DemandStatus.OPEN)).all():
        close_demand(user, demand_id)  # commits: the quoting shops hear it as any closing
    for model in (Address, CartItem, Notification, NotificationSetting, PushSubscription):
        db.session.execute(delete(model).where(model.user_id == user.id))
    if user.mobile:  # SMS codes asked for the number (kept only as hashes, but beside it)
        db.session.execute(delete(SmsCode).where(SmsCode.mobile == user.mobile))
    db.session.execute(update(Order).where(Order.buyer_id == user.id)
                       .values(recipient_name=DELETED_NAME, recipient_mobile=""))
    _forget_courier_name(user)
    _erase_signers(user)
    shop = db.session.scalar(select(Shop).where(Shop.owner_id == user.id))
    if shop is not None:
        _close_shop(shop)
    # The time and version of the privacy consent (PHONE) stay: a record, nothing personal.
    role = str(user.role)
    user.display_name = DELETED_NAME
    user.email = user.mobile = None
    user.password_hash = ""
    user.active = False
    user.deleted_at = utcnow()
    end_sessions(user)
    audit.record(user, "account.deleted", user, role=role, shop_closed=shop is not None)
    db.session.commit()
    close_sockets(user.id)


def _forget_courier_name(user: User) -> None:
    """The assignment events that name `user` (ASSIGNED keeps the courier's name as it was) name
    the deleted-user marker instead: found by the courier's id they record, on orders given to
    another courier since too; an event from before the id was recorded, by the order's
    delivery and the name."""
    events = db.session.execute(select(OrderEvent, Delivery.courier_id).join(
        Order, Order.id == OrderEvent.order_id).outerjoin(
        Delivery, Delivery.order_id == OrderEvent.order_id).where(
        OrderEvent.kind == EventKind.ASSIGNED,
        or_(Order.shop_id == user.shop_id, Delivery.courier_id == user.id)))
    for event, carrier in events:
        params = event.params or {}
        if "courier_id" in params:
            named = params["courier_id"] == user.id
        else:
            named = carrier == user.id and params.get("courier") == user.display_name
        if named:
            event.params = {**params, "courier": DELETED_NAME}


def _erase_signers(user: User) -> None:
    """The signer's name and signature leave the scheme 5 proofs of the orders `user` bought,
    and the signer's name every signing event of those orders. (A courier's deletion erases no
    proof: one signed on their phone holds the name and hand of whoever received the goods, not
    theirs, and is the buyer's evidence.)"""
    bought = select(Order.id).where(Order.buyer_id == user.id)
    for proof in db.session.scalars(select(ProofOfDelivery).where(
            ProofOfDelivery.order_id.in_(bought), ProofOfDelivery.scheme >= 5,
            ProofOfDelivery.erased_at.is_(None))):
        erase_signer(proof)
    for event in db.session.scalars(select(OrderEvent).where(
            OrderEvent.kind.in_(SIGNER_EVENTS), OrderEvent.order_id.in_(bought))):
        event.params = {**(event.params or {}), "name": DELETED_NAME}


def _close_shop(shop: Shop) -> None:
    shop.status = ShopStatus.CLOSED
    emit_after_commit(db.session, "shop:updated", {"id": shop.id, "status": "closed"},
                      user_room(shop.owner_id))
    close_after_commit(db.session, shop_room(shop.id))
