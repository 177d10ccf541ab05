"""What happens in the app, turned into notifications (through hub.notify, inside the same
transaction): an order's events (webapp/orders/transitions.py and checkout), the courier
coming near (webapp/delivery/services.py), a new demand in a shop's district."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import exists, literal, or_, select

from webapp.extensions import db
from webapp.licences.rules import KIND_LABELS
from webapp.licences.services import licensed_for
from webapp.models import Demand, EventKind, Order, Product, Shop, ShopStatus
from webapp.models.notification import Notification
from webapp.notifications.hub import notify
from webapp.notifications.kinds import Kind

K = EventKind
# An order's event -> the notification and who gets it ("buyer", "shop" or both).
FROM_ORDER: dict[EventKind, tuple[Kind, tuple[str, ...]]] = {
    K.PAID_ONLINE: (Kind.ORDER_PLACED, ("shop",)),
    K.ACCEPTED: (Kind.ORDER_ACCEPTED, ("buyer",)),
    K.STARTED: (Kind.ORDER_DISPATCHED, ("buyer",)),
    K.ARRIVED: (Kind.ORDER_ARRIVED, ("buyer",)),
    K.SIGNED: (Kind.ORDER_SIGNED, ("buyer",)),
    K.SIGNED_WITH_REFUSALS: (Kind.ORDER_SIGNED, ("buyer",)),
    K.REFUSED_AT_DOOR: (Kind.ORDER_SIGNED, ("buyer",)),
    **{kind: (Kind.AFTER_SALE, ("buyer", "shop")) for kind in K
       if kind.value.startswith("after_sale_")},
}


# Told even to the one who did it: the signed receipt stays in the buyer's list (a neighbour
# may have signed at the door for them).
RECEIPTS = {Kind.ORDER_SIGNED}


def path(endpoint: str, **values) -> str:
    """A page's path, also outside a request (a timeout run from the command line)."""
    return current_app.url_map.bind("").build(endpoint, values)


def order_event(order: Order, kind: EventKind, params: dict, actor_id: int | None) -> None:
    """Tell the order's parties what `kind` means for them (not the one who did it, but for
    a receipt)."""
    if kind not in FROM_ORDER:
        return
    notice, readers = FROM_ORDER[kind]
    facts = {"order": order.id}
    url = path("orders.detail", order_id=order.id)
    if notice is Kind.AFTER_SALE:
        facts.update({key: value for key, value in params.items()
                      if isinstance(value, (str, int, float, bool))}, step=kind.value)
        url = path("aftersales.detail", request_id=params.get("request", 0))
    if notice is Kind.ORDER_PLACED:
        facts["amount_fen"] = order.total_fen
    owners = {"buyer": order.buyer_id, "shop": order.shop.owner_id}
    for reader in readers:
        if owners[reader] != actor_id or notice in RECEIPTS:
            notify(owners[reader], notice, facts, url, order_id=order.id)


def order_placed(order_id: int, shop_id: int, total_fen: int, quote_id: int | None) -> None:
    """A new order (or a quote accepted as one) rings its shop's owner (named by a subquery:
    the checkout's cost grows by the notification's two statements, no more)."""
    owner = select(Shop.owner_id).where(Shop.id == shop_id).scalar_subquery()
    url = path("orders.detail", order_id=order_id)
    if quote_id is not None:
        notify(owner, Kind.QUOTE_ACCEPTED, {"order": order_id, "quote": quote_id}, url,
               order_id=order_id)
    else:
        notify(owner, Kind.ORDER_PLACED, {"order": order_id, "amount_fen": total_fen}, url,
               order_id=order_id)


def arriving(order_id: int) -> None:
    """The courier came within ARRIVING_METERS: tell the buyer, once per order."""
    buyer = db.session.scalar(select(Order.buyer_id).where(
        Order.id == order_id, ~exists().where(Notification.order_id == order_id,
                                              Notification.kind == Kind.ORDER_ARRIVING.value)))
    if buyer is not None:
        notify(buyer, Kind.ORDER_ARRIVING, {"order": order_id},
               path("orders.detail", order_id=order_id), order_id=order_id)


def demand_posted(demand: Demand) -> None:
    """Each open shop of the demand's district that sells its category (or has nothing on sale
    yet, as the feed's rooms have it) hears of it; in a regulated category, only a shop holding
    a valid licence for it (webapp/licences)."""
    sells = exists().where(Product.shop_id == Shop.id, Product.published.is_(True))
    sells_this = exists().where(Product.shop_id == Shop.id, Product.published.is_(True),
                                Product.category == demand.category)
    owners = db.session.scalars(select(Shop.owner_id).where(
        Shop.district_code == demand.district_code, Shop.status == ShopStatus.ACTIVE,
        or_(sells_this, ~sells), licensed_for(Shop.id, literal(demand.category)))).all()
    url = path("demands.detail", demand_id=demand.id)
    for owner in owners:
        notify(owner, Kind.DEMAND_POSTED, {"demand": demand.id, "title": demand.title}, url)


def chat_message(recipient_id: int, sender_name: str, text: str, url: str, *,
                 worded: tuple[str, ...] = ()) -> None:
    """A chat message for someone not looking at its conversation. webapp/chat calls this inside
    the transaction that stores a message, once per other participant. `worded` names the
    parameters that are the app's own words ("买家", a quick reply, "[照片]"), shown in the
    reader's language; anything else (a shop's name, what someone typed) is shown as written."""
    params = {"name": sender_name, "text": text[:80]}
    if worded:
        params["worded"] = [key for key in worded if key in params]
    notify(recipient_id, Kind.CHAT_MESSAGE, params, url)


def licence_expiring(licence, days_left: int) -> None:
    """A shop's licence lapses soon (webapp/licences/services.remind): tell its owner, with the
    licence's name in the reader's language."""
    owner = select(Shop.owner_id).where(Shop.id == licence.shop_id).scalar_subquery()
    notify(owner, Kind.LICENCE_EXPIRING,
           {"licence": KIND_LABELS[licence.kind], "date": licence.expires_on.isoformat(),
            "days": days_left, "worded": ["licence"]}, path("merchants.licences_page"))
