"""Who may see which demand and quote: every demand and quote a view or a service acts on is
loaded here, through the user asking.

A buyer sees only their own demands and the quotes on them. A merchant needs an approved, open
shop with a district, and then sees the demands of that district and any it has quoted on; quotes
are sealed, so a merchant only ever loads its own shop's. Anything else is a 404, never a 403
that would say it exists. Each load first expires what is overdue in its scope.
"""
from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, or_, select

from webapp.demands.expiry import expire_overdue
from webapp.extensions import db
from webapp.models import Demand, Quote, Role, Shop, ShopStatus, User
from webapp.web import MAX_ID, ServiceError


def valid_id(value) -> bool:
    """Tell whether `value` could be a row id (an int, not a bool, within the column's range)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def quoting_shop(merchant: User) -> Shop:
    """Return the merchant's shop if it may quote: approved (it exists) and open for business."""
    if merchant.role is not Role.MERCHANT:
        raise ServiceError(_("只有通过实名认证的商家可以报价。"), 403)
    shop = db.session.scalar(select(Shop).where(Shop.owner_id == merchant.id))
    if shop is None:
        raise ServiceError(_("实名认证通过、店铺开通后才能查看需求和报价。"), 403)
    if shop.status is not ShopStatus.ACTIVE:
        raise ServiceError(_("店铺已暂停营业，暂时不能报价。"), 403)
    if not shop.district_code:
        raise ServiceError(_("店铺还没有所在区县，请先在店铺设置中补充地址。"), 403)
    return shop


def demand_for_buyer(buyer: User, demand_id: int) -> Demand:
    """Load the buyer's own demand; anyone else's is a 404."""
    expire_overdue(demand_id=demand_id, buyer_id=buyer.id)
    demand = db.session.scalar(select(Demand).where(
        Demand.id == demand_id, Demand.buyer_id == buyer.id)) if valid_id(demand_id) else None
    if demand is None:
        abort(404)
    return demand


def _visible_to_shop(shop: Shop) -> ColumnElement[bool]:
    """Build the condition for the demands a shop may see.

    Those of its district (the feed lists only the open ones; an ended one still answers with why
    it takes no quote), and any it has quoted on.
    """
    quoted = select(Quote.id).where(Quote.demand_id == Demand.id, Quote.shop_id == shop.id)
    return or_(Demand.district_code == shop.district_code, quoted.exists())


def demand_for_merchant(merchant: User, demand_id: int) -> tuple[Demand, Shop]:
    """Load a demand the merchant's quoting shop may see, with that shop."""
    shop = quoting_shop(merchant)
    expire_overdue(demand_id=demand_id)
    demand = db.session.scalar(select(Demand).where(
        Demand.id == demand_id, _visible_to_shop(shop))) if valid_id(demand_id) else None
    if demand is None:
        abort(404)
    return demand, shop


def may_see_photo(user: User, demand: Demand) -> bool:
    """Tell whether `user` may see the demand's photo.

    Its buyer may, and so may the approved merchants who may quote on it (or have).
    """
    if user.role is Role.BUYER:
        return demand.buyer_id == user.id
    if user.role is Role.MERCHANT:
        try:
            shop = quoting_shop(user)
        except ServiceError:
            return False
        return db.session.scalar(select(Demand.id).where(
            Demand.id == demand.id, _visible_to_shop(shop))) is not None
    return False


def demand_with_photo(user: User, demand_id: int) -> Demand:
    """Load a demand with a photo that `user` may see, refused as its page is: a merchant whose
    shop may not quote gets the page's 403 (about their shop, the same for every id, so it tells
    nothing of the demand), anyone else who may not see it a 404."""
    if user.role is Role.MERCHANT:
        quoting_shop(user)
    demand = db.session.get(Demand, demand_id) if valid_id(demand_id) else None
    if demand is None or not demand.photo or not may_see_photo(user, demand):
        abort(404)
    return demand


def quote_for_buyer(buyer: User, quote_id: int) -> Quote:
    """Load a quote on one of the buyer's demands, after expiring what is overdue."""
    quote = db.session.scalar(select(Quote).join(Demand).where(
        Quote.id == quote_id, Demand.buyer_id == buyer.id)) if valid_id(quote_id) else None
    if quote is None:
        abort(404)
    if expire_overdue(demand_id=quote.demand_id):
        db.session.expire_all()
    return quote


def quote_for_merchant(merchant: User, quote_id: int) -> tuple[Quote, Shop]:
    """Load one of the merchant's own shop's quotes, with the shop; another shop's is a 404."""
    shop = quoting_shop(merchant)
    quote = db.session.scalar(select(Quote).where(
        Quote.id == quote_id, Quote.shop_id == shop.id)) if valid_id(quote_id) else None
    if quote is None:
        abort(404)
    if expire_overdue(demand_id=quote.demand_id):
        db.session.expire_all()
    return quote, shop
