"""The buyer's decisions on a demand: call it off, turn one quote down, or accept one and order.

Each decision is one conditional UPDATE (`... WHERE status = 'open'`, through `webapp.cas`), so
two taps, two tabs or two people at the same moment cannot both win, and the loser is told what
happened instead. Events go out only after the commit: the shops whose quotes were decided, the
merchants watching the demand's district and category, and the buyer's other tabs.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.cas import compare_and_set, update_where
from webapp.demands.access import demand_for_buyer, quote_for_buyer
from webapp.demands.rules import OPEN_DEMAND_MESSAGES
from webapp.extensions import db
from webapp.i18n import N_
from webapp.licences.services import product_sellable
from webapp.models import Demand, DemandStatus, Order, Quote, QuoteStatus, ShopStatus, User, utcnow
from webapp.orders import checkout
from webapp.orders.shown import Shown, of_quote, quote_change
from webapp.realtime import demand_room, emit_after_commit, shop_room, user_room
from webapp.web import Conflict

NOT_LIVE_MESSAGES = {
    QuoteStatus.WITHDRAWN: N_("商家已撤回该报价，不能接受。"),
    QuoteStatus.DECLINED: N_("你已婉拒该报价，不能再接受。"),
    QuoteStatus.EXPIRED: N_("该报价已过有效期，不能接受。"),
    QuoteStatus.NOT_CHOSEN: N_("该需求已选定其他报价。"),
    QuoteStatus.ACCEPTED: N_("该报价已被接受。"),
    QuoteStatus.FELL_THROUGH: N_("该报价的订单已取消，不能再接受。"),
}


def _decide_all_live(demand: Demand, status: QuoteStatus, now: datetime,
                     keep: int | None = None) -> list[tuple[int, int]]:
    """Set every other live quote of `demand` to `status`; return their (id, shop id)."""
    query = select(Quote.id, Quote.shop_id).where(Quote.demand_id == demand.id,
                                                  Quote.status == QuoteStatus.LIVE)
    if keep is not None:
        query = query.where(Quote.id != keep)
    rows = [(r.id, r.shop_id) for r in db.session.execute(query)]
    if rows:
        update_where(Quote, Quote.id.in_([r[0] for r in rows]), Quote.status == QuoteStatus.LIVE,
                     status=status, decided_at=now, updated_at=now)
    return rows


def _announce_decision(demand: Demand, quote_id: int, shop_id: int, status: QuoteStatus) -> None:
    emit_after_commit(db.session, "quote:decided",
                      {"id": quote_id, "demand_id": demand.id, "status": str(status)},
                      shop_room(shop_id))


def _announce_demand(demand: Demand, status: DemandStatus) -> None:
    emit_after_commit(db.session, "demand:updated", {"id": demand.id, "status": str(status)},
                      demand_room(demand.district_code, demand.category),
                      user_room(demand.buyer_id))


def _demand_changed(demand: Demand) -> Conflict:
    """Reload a demand that is no longer open and say why (called after the rollback)."""
    db.session.refresh(demand)
    return Conflict(_(OPEN_DEMAND_MESSAGES.get(demand.status, N_("该需求已变化，请刷新。"))))


def _quote_changed(quote: Quote) -> Conflict:
    """Reload a quote that is no longer live and say why (called after the rollback)."""
    db.session.refresh(quote)
    return Conflict(_(NOT_LIVE_MESSAGES.get(quote.status, N_("该报价已变化，请刷新。"))))


def close_demand(buyer: User, demand_id: int) -> Demand:
    """Call a demand off; every live quote on it is closed as not chosen."""
    demand = demand_for_buyer(buyer, demand_id)
    now = utcnow()
    compare_and_set(Demand, Demand.id == demand.id, Demand.status == DemandStatus.OPEN,
                    conflict=lambda: _demand_changed(demand),
                    status=DemandStatus.CLOSED, updated_at=now)
    for quote_id, shop_id in _decide_all_live(demand, QuoteStatus.NOT_CHOSEN, now):
        _announce_decision(demand, quote_id, shop_id, QuoteStatus.NOT_CHOSEN)
    _announce_demand(demand, DemandStatus.CLOSED)
    db.session.commit()
    db.session.refresh(demand)
    return demand


def decline_quote(buyer: User, quote_id: int) -> Quote:
    """Turn one quote down; its shop hears it at once. The demand stays open for the others."""
    quote = quote_for_buyer(buyer, quote_id)
    if quote.demand.status is not DemandStatus.OPEN:
        raise Conflict(_(OPEN_DEMAND_MESSAGES[quote.demand.status]))
    now = utcnow()
    compare_and_set(Quote, Quote.id == quote.id, Quote.status == QuoteStatus.LIVE,
                    conflict=lambda: _quote_changed(quote),
                    status=QuoteStatus.DECLINED, decided_at=now, updated_at=now)
    _announce_decision(quote.demand, quote.id, quote.shop_id, QuoteStatus.DECLINED)
    db.session.commit()
    db.session.refresh(quote)
    return quote


def acceptable_or_conflict(quote: Quote) -> None:
    """Say, before the buyer fills in the checkout, why this quote cannot be taken."""
    if quote.demand.status is not DemandStatus.OPEN:
        raise Conflict(_(OPEN_DEMAND_MESSAGES[quote.demand.status]))
    if quote.status is not QuoteStatus.LIVE:
        raise Conflict(_(NOT_LIVE_MESSAGES[quote.status]))
    if quote.valid_until <= utcnow():
        raise Conflict(_(NOT_LIVE_MESSAGES[QuoteStatus.EXPIRED]))
    if quote.shop.status is not ShopStatus.ACTIVE:
        raise Conflict(_("该商家已暂停营业，不能接受其报价。"))
    if quote.product is not None and not (quote.product.published
                                          and product_sellable(quote.product)):
        raise checkout.off_sale(quote.title, in_cart=False)


def _quote_moved(quote: Quote, seen: Shown) -> Conflict:
    """Reload a quote the claim missed and say why: withdrawn or expired, or edited since it was
    read (called after the rollback)."""
    db.session.refresh(quote)
    if quote.status is QuoteStatus.LIVE and quote.valid_until > utcnow():
        if (change := quote_change(seen, quote)) is not None:
            return change
    return Conflict(_("该报价刚刚已撤回或已过期，不能接受。"))


def _claim(buyer: User, quote: Quote, idempotency_key: str, now: datetime) -> Order | None:
    """Claim the open demand, then the live quote as it was read (figures and version, so the
    order records what was checked); return the order if this key already won.

    The order the same key placed from another tab is this accept's answer, not a conflict.
    """
    demand = quote.demand
    try:
        compare_and_set(Demand, Demand.id == demand.id, Demand.status == DemandStatus.OPEN,
                        Demand.needed_by > now,
                        conflict=_("该需求刚刚已接受其他报价或已关闭，请刷新。"),
                        status=DemandStatus.ACCEPTED, updated_at=now)
    except Conflict:
        if (existing := checkout._by_key(buyer, idempotency_key)) is not None:
            return existing
        raise
    seen = of_quote(quote)
    compare_and_set(Quote, Quote.id == quote.id, Quote.demand_id == demand.id,
                    Quote.status == QuoteStatus.LIVE, Quote.valid_until > now,
                    Quote.unit_price_fen == quote.unit_price_fen, Quote.quantity == quote.quantity,
                    Quote.delivery_fee_fen == quote.delivery_fee_fen,
                    Quote.updated_at == quote.updated_at,
                    conflict=lambda: _quote_moved(quote, seen),
                    status=QuoteStatus.ACCEPTED, decided_at=now, updated_at=now)
    return None


def accept_quote(buyer: User, quote_id: int, *, destination: checkout.Destination,
                 window: str, payment_method: str, note: str = "",
                 idempotency_key: str, shown: Shown | None = None) -> Order:
    """Accept one quote and place its order; every other live quote is closed as not chosen.

    The demand and the quote are claimed with conditional UPDATEs, the order is placed at the
    quoted price (taking stock when the quote names a product), and all of it commits together
    or not at all. Two accepts at the same moment: the second finds the demand no longer open
    and gets a Conflict; the same idempotency key twice gives the first one's order. `shown`
    is what the checkout page showed: a quote edited since (price, quantity, fee, or anything
    else: its version) is refused with a Conflict naming the new figures.
    """
    if (existing := checkout._by_key(buyer, idempotency_key)) is not None:
        return existing
    quote = quote_for_buyer(buyer, quote_id)
    demand = quote.demand
    acceptable_or_conflict(quote)
    if shown is not None and (change := quote_change(shown, quote)) is not None:
        raise change
    now = utcnow()
    if (existing := _claim(buyer, quote, idempotency_key, now)) is not None:
        return existing
    losers = _decide_all_live(demand, QuoteStatus.NOT_CHOSEN, now, keep=quote.id)
    order = checkout.place_quote_order(buyer, quote, destination=destination, window=window,
                                       payment_method=payment_method, note=note,
                                       idempotency_key=idempotency_key)
    _announce_decision(demand, quote.id, quote.shop_id, QuoteStatus.ACCEPTED)
    for loser_id, shop_id in losers:
        _announce_decision(demand, loser_id, shop_id, QuoteStatus.NOT_CHOSEN)
    _announce_demand(demand, DemandStatus.ACCEPTED)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if (existing := checkout._by_key(buyer, idempotency_key)) is not None:
            return existing
        raise Conflict(_("该需求刚刚已接受其他报价，请刷新。")) from None
    return order
