"""Every rule of demands and quotes, through the services: what is allowed, and what is refused
with a clear message, a 4xx, and nothing changed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from tests.support.demands import ELSEWHERE, backdate, demand_input, quote_input
from tests.support.factories import stock_of
from webapp.demands import comparison, decisions, expiry, posting, quoting, rules
from webapp.extensions import db
from webapp.models import (
    Demand,
    DemandStatus,
    Order,
    OrderLine,
    Quote,
    QuoteStatus,
    ShopStatus,
    Status,
    utcnow,
)
from webapp.orders.checkout import OutOfStock
from webapp.web import Conflict, ServiceError

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def status_of(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id).status


def snapshot():
    """Everything a refused action must leave as it was."""
    db.session.expire_all()
    return ([(d.id, d.status, d.updated_at) for d in db.session.scalars(select(Demand))],
            [(q.id, q.status, q.unit_price_fen, q.valid_until, q.updated_at)
             for q in db.session.scalars(select(Quote))],
            count(Order), count(OrderLine))


# ---- posting a demand -------------------------------------------------------------------------

def test_a_buyer_posts_a_demand(market, post):
    demand = post(market.buyer, title="  20 斤荔枝  ")
    assert (demand.status, demand.title, demand.quantity, demand.budget_fen) == (
        DemandStatus.OPEN, "20 斤荔枝", 2, 15000)
    assert demand.region_text == "北京市 朝阳区"


def test_the_same_key_posts_one_demand(market, post):
    first = post(market.buyer, idempotency_key="a" * 32)
    again = post(market.buyer, idempotency_key="a" * 32, title="别的")
    assert again.id == first.id and count(Demand) == 1


@pytest.mark.parametrize("changes, field", [
    ({"title": "   "}, "title"),
    ({"category": "weapons"}, "category"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": 10_000}, "quantity"),
    ({"budget_fen": 0}, "budget"),
    ({"district_code": "110000"}, "district"),
    ({"district_code": "999999"}, "district"),
    ({"needed_by": utcnow() + timedelta(minutes=10)}, "needed_by"),
    ({"needed_by": utcnow() - timedelta(hours=1)}, "needed_by"),
    ({"needed_by": utcnow() + timedelta(days=31)}, "needed_by"),
], ids=["blank-title", "category", "quantity-0", "quantity-huge", "budget-0", "city-not-district",
        "unknown-district", "too-soon", "past", "too-far"])
def test_a_bad_demand_is_refused_on_its_field(market, changes, field):
    with pytest.raises(rules.Rejected) as refused:
        posting.post_demand(market.buyer, demand_input(**changes))
    assert refused.value.field == field and refused.value.status == 422
    assert refused.value.message
    assert count(Demand) == 0


@pytest.mark.parametrize("who", ["merchant_a", "courier", "admin"])
def test_only_buyers_post_demands(market, who):
    with pytest.raises(ServiceError) as refused:
        posting.post_demand(getattr(market, who), demand_input())
    assert refused.value.status == 403 and count(Demand) == 0


# ---- quoting ----------------------------------------------------------------------------------

def test_a_merchant_quotes_a_free_text_item(market, post, offer):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    assert (quote.status, quote.product_id, quote.title, quote.total_fen) == (
        QuoteStatus.LIVE, None, "妃子笑荔枝 一级果", 6000 * 2 + 800)


def test_a_merchant_quotes_one_of_its_products(market, post, offer):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand, product_id=market.product_a.id, title="ignored")
    assert (quote.product_id, quote.title) == (market.product_a.id, "妃子笑荔枝 5 斤")


@pytest.mark.parametrize("changes, field, message", [
    ({"unit_price_fen": 0}, "unit_price", "单价需大于 0"),
    ({"unit_price_fen": -100}, "unit_price", "单价需大于 0"),
    ({"quantity": 0}, "quantity", "数量"),
    ({"delivery_fee_fen": -1}, "delivery_fee", "配送费不能为负数"),
    ({"valid_until": utcnow() - timedelta(minutes=1)}, "valid_until", "有效期需晚于现在"),
    ({"valid_until": utcnow() + timedelta(days=3)}, "valid_until", "不能晚于买家的需要时间"),
    ({"earliest_delivery": utcnow() - timedelta(hours=1)}, "earliest_delivery", "不能早于现在"),
    ({"title": "  "}, "item_title", "填写报价的商品名称"),
], ids=["price-0", "price-negative", "quantity-0", "fee-negative", "valid-until-past",
        "valid-until-after-deadline", "delivery-in-the-past", "no-item"])
def test_a_bad_quote_is_refused_on_its_field(market, post, offer, changes, field, message):
    demand = post(market.buyer)
    before = snapshot()
    with pytest.raises(rules.Rejected) as refused:
        offer(market.merchant_a, demand, **changes)
    assert (refused.value.field, refused.value.status) == (field, 422)
    assert message in refused.value.message
    assert snapshot() == before


def test_a_quote_naming_another_shops_product_is_refused(market, post, offer):
    demand = post(market.buyer)
    before = snapshot()
    for product in (market.product_b, market.product_far):
        with pytest.raises(rules.Rejected) as refused:
            offer(market.merchant_a, demand, product_id=product.id)
        assert (refused.value.field, refused.value.status) == ("product_id", 422)
        assert refused.value.message == "只能用本店的商品报价"
    with pytest.raises(rules.Rejected):
        offer(market.merchant_a, demand, product_id=2**40)
    assert snapshot() == before


@pytest.mark.parametrize("ending, message", [
    ("closed", "买家已关闭该需求。不能再报价。"),
    ("expired", "该需求已过期（超过买家的需要时间）。不能再报价。"),
    ("accepted", "该需求已成交，不能再报价或接受其他报价。不能再报价。"),
])
def test_a_demand_that_has_ended_accepts_no_quote(market, post, offer, accept, ending, message):
    demand = post(market.buyer)
    if ending == "closed":
        decisions.close_demand(market.buyer, demand.id)
    elif ending == "expired":
        backdate(demand, needed_by=utcnow() - timedelta(minutes=1))
        expiry.expire_overdue()
    else:
        accept(market.buyer, offer(market.merchant_b, demand))
    before = snapshot()
    for merchant in (market.merchant_a, market.merchant_b):  # one that never quoted, one that did
        with pytest.raises(Conflict) as refused:
            offer(merchant, demand)
        assert (refused.value.status, refused.value.message) == (409, message)
    assert snapshot() == before


def test_a_demand_expiring_is_noticed_by_the_quote_that_comes_too_late(market, post, offer):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    backdate(demand, needed_by=utcnow() - timedelta(minutes=1))
    with pytest.raises(Conflict) as refused:
        offer(market.merchant_b, demand)
    assert "已过期" in refused.value.message
    assert status_of(demand) is DemandStatus.EXPIRED
    assert status_of(quote) is QuoteStatus.EXPIRED
    assert count(Quote) == 1


def test_one_live_quote_per_shop_per_demand(market, post, offer):
    demand = post(market.buyer)
    first = offer(market.merchant_a, demand)
    with pytest.raises(Conflict) as refused:
        offer(market.merchant_a, demand, unit_price_fen=5000)
    assert "本店已对该需求报价" in refused.value.message
    assert count(Quote) == 1
    # Withdrawn, the shop may quote again; the other shop quotes beside it all along.
    quoting.withdraw_quote(market.merchant_a, first.id)
    second = offer(market.merchant_a, demand, unit_price_fen=5000)
    offer(market.merchant_b, demand)
    assert (status_of(first), status_of(second)) == (QuoteStatus.WITHDRAWN, QuoteStatus.LIVE)


def test_the_database_itself_refuses_a_second_live_quote(market, post, offer):
    demand = post(market.buyer)
    first = offer(market.merchant_a, demand)
    twin = Quote(demand_id=demand.id, shop_id=market.shop_a.id, title="x", unit_price_fen=1,
                 quantity=1, delivery_fee_fen=0, earliest_delivery=first.earliest_delivery,
                 valid_until=first.valid_until, status=QuoteStatus.LIVE)
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # ... but a withdrawn one beside a live one is fine.
    twin = Quote(demand_id=demand.id, shop_id=market.shop_a.id, title="x", unit_price_fen=1,
                 quantity=1, delivery_fee_fen=0, earliest_delivery=first.earliest_delivery,
                 valid_until=first.valid_until, status=QuoteStatus.WITHDRAWN)
    db.session.add(twin)
    db.session.commit()


@pytest.mark.parametrize("who, status", [
    ("unapproved", 403), ("merchant_suspended", 403), ("buyer", 403), ("other_buyer", 403),
    ("courier", 403), ("admin", 403), ("merchant_far", 404),
])
def test_only_approved_merchants_of_the_district_quote(market, post, offer, who, status):
    demand = post(market.buyer)
    before = snapshot()
    with pytest.raises(Exception) as refused:
        offer(getattr(market, who), demand)
    code = getattr(refused.value, "status", None) or getattr(refused.value, "code", None)
    assert code == status
    assert snapshot() == before


def test_a_shop_without_a_district_is_told_to_add_one(market, post, offer, make_shop, make_user):
    from webapp.models import Role

    owner = make_user(Role.MERCHANT)
    make_shop(owner)
    demand = post(market.buyer)
    with pytest.raises(ServiceError) as refused:
        offer(owner, demand)
    assert refused.value.status == 403 and "所在区县" in refused.value.message


def test_a_merchant_edits_its_live_quote(market, post, offer):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    quoting.update_quote(market.merchant_a, quote.id, quote_input(unit_price_fen=5500,
                                                                   delivery_fee_fen=0))
    db.session.expire_all()
    quote = db.session.get(Quote, quote.id)
    assert (quote.unit_price_fen, quote.delivery_fee_fen, quote.status) == (5500, 0,
                                                                         QuoteStatus.LIVE)


def test_an_edit_obeys_the_same_rules(market, post, offer):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    before = snapshot()
    with pytest.raises(rules.Rejected):
        quoting.update_quote(market.merchant_a, quote.id, quote_input(unit_price_fen=0))
    with pytest.raises(rules.Rejected):
        quoting.update_quote(market.merchant_a, quote.id,
                              quote_input(product_id=market.product_b.id))
    assert snapshot() == before


@pytest.mark.parametrize("decided", ["withdrawn", "declined", "accepted", "not_chosen"])
def test_a_decided_quote_cannot_be_edited_or_withdrawn(market, post, offer, accept, decided):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    if decided == "withdrawn":
        quoting.withdraw_quote(market.merchant_a, quote.id)
    elif decided == "declined":
        decisions.decline_quote(market.buyer, quote.id)
    elif decided == "accepted":
        accept(market.buyer, quote)
    else:
        accept(market.buyer, offer(market.merchant_b, demand))
    before = snapshot()
    with pytest.raises(Conflict):
        quoting.update_quote(market.merchant_a, quote.id, quote_input(unit_price_fen=1))
    with pytest.raises(Conflict):
        quoting.withdraw_quote(market.merchant_a, quote.id)
    assert snapshot() == before


# ---- the buyer decides --------------------------------------------------------------------------

def test_accepting_a_quote_places_the_order_at_the_quoted_price(market, post, offer, accept):
    demand = post(market.buyer)
    chosen = offer(market.merchant_a, demand, unit_price_fen=6100, quantity=2,
                   delivery_fee_fen=700)
    other = offer(market.merchant_b, demand)
    order = accept(market.buyer, chosen)
    assert (order.shop_id, order.quote_id, order.status) == (market.shop_a.id, chosen.id,
                                                             Status.PLACED)
    assert (order.items_fen, order.delivery_fee_fen, order.total_fen) == (12200, 700, 12900)
    [line] = order.lines
    assert (line.product_id, line.title, line.unit_price_fen, line.quantity) == (
        None, "妃子笑荔枝 一级果", 6100, 2)
    assert status_of(demand) is DemandStatus.ACCEPTED
    assert (status_of(chosen), status_of(other)) == (QuoteStatus.ACCEPTED,
                                                    QuoteStatus.NOT_CHOSEN)
    assert comparison.order_of(db.session.get(Demand, demand.id)).id == order.id


def test_accepting_a_product_quote_takes_its_stock(market, post, offer, accept):
    demand = post(market.buyer, quantity=2)
    quote = offer(market.merchant_a, demand, product_id=market.product_a.id, quantity=2)
    order = accept(market.buyer, quote)
    assert order.lines[0].product_id == market.product_a.id
    assert stock_of(market.product_a) == 1


def test_a_product_quote_short_of_stock_changes_nothing(market, post, offer, accept):
    demand = post(market.buyer, quantity=5)
    quote = offer(market.merchant_a, demand, product_id=market.product_a.id, quantity=5)
    other = offer(market.merchant_b, demand)
    before = snapshot()
    with pytest.raises(OutOfStock) as refused:
        accept(market.buyer, quote)
    assert refused.value.status == 409 and "库存不足，仅剩 3 件" in refused.value.message
    assert snapshot() == before
    assert stock_of(market.product_a) == 3
    assert (status_of(quote), status_of(other)) == (QuoteStatus.LIVE, QuoteStatus.LIVE)


def test_a_product_quote_taken_off_sale_is_refused_like_a_cart_line(market, post, offer, accept):
    """The same still-on-sale rule as a cart: an unpublished product is not sold from a quote."""
    demand = post(market.buyer, quantity=2)
    quote = offer(market.merchant_a, demand, product_id=market.product_a.id, quantity=2)
    market.product_a.published = False
    db.session.commit()
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        accept(market.buyer, quote)
    assert refused.value.status == 409 and "已下架" in refused.value.message
    assert snapshot() == before and stock_of(market.product_a) == 3
    assert status_of(quote) is QuoteStatus.LIVE


@pytest.mark.parametrize("how, message", [
    ("withdrawn", "商家已撤回该报价"),
    ("expired", "该报价已过有效期"),
    ("declined", "你已婉拒该报价"),
    ("closed", "买家已关闭该需求"),
    ("demand-expired", "该需求已过期"),
    ("shop-suspended", "该商家已暂停营业"),
])
def test_a_quote_that_cannot_be_taken_is_refused(market, post, offer, accept, how, message):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    if how == "withdrawn":
        quoting.withdraw_quote(market.merchant_a, quote.id)
    elif how == "expired":
        backdate(quote, valid_until=utcnow() - timedelta(seconds=1))
    elif how == "declined":
        decisions.decline_quote(market.buyer, quote.id)
    elif how == "closed":
        decisions.close_demand(market.buyer, demand.id)
    elif how == "demand-expired":
        backdate(demand, needed_by=utcnow() - timedelta(seconds=1))
    else:
        backdate(market.shop_a, status=ShopStatus.SUSPENDED)
    expiry.expire_overdue()
    before = snapshot()
    with pytest.raises(Conflict) as refused:
        accept(market.buyer, quote)
    assert refused.value.status == 409 and message in refused.value.message
    assert snapshot() == before and count(Order) == 0


def test_the_same_key_accepts_once(market, post, offer, accept):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    first = accept(market.buyer, quote, key="b" * 32)
    again = accept(market.buyer, quote, key="b" * 32)
    assert again.id == first.id and count(Order) == 1


def test_a_second_accept_is_refused(market, post, offer, accept):
    demand = post(market.buyer)
    a, b = offer(market.merchant_a, demand), offer(market.merchant_b, demand)
    accept(market.buyer, a)
    before = snapshot()
    with pytest.raises(Conflict):
        accept(market.buyer, b)
    with pytest.raises(Conflict):
        accept(market.buyer, a)
    assert snapshot() == before and count(Order) == 1


def test_declining_one_quote_leaves_the_others_open(market, post, offer):
    demand = post(market.buyer)
    a, b = offer(market.merchant_a, demand), offer(market.merchant_b, demand)
    decisions.decline_quote(market.buyer, a.id)
    assert (status_of(a), status_of(b), status_of(demand)) == (
        QuoteStatus.DECLINED, QuoteStatus.LIVE, DemandStatus.OPEN)
    with pytest.raises(Conflict):
        decisions.decline_quote(market.buyer, a.id)
    # The declined shop may try again with a better offer.
    assert offer(market.merchant_a, demand, unit_price_fen=5000).status is QuoteStatus.LIVE


def test_closing_a_demand_closes_its_quotes(market, post, offer):
    demand = post(market.buyer)
    a = offer(market.merchant_a, demand)
    quoting.withdraw_quote(market.merchant_a, a.id)
    b = offer(market.merchant_b, demand)
    decisions.close_demand(market.buyer, demand.id)
    assert (status_of(demand), status_of(a), status_of(b)) == (
        DemandStatus.CLOSED, QuoteStatus.WITHDRAWN, QuoteStatus.NOT_CHOSEN)
    with pytest.raises(Conflict) as refused:
        decisions.close_demand(market.buyer, demand.id)
    assert refused.value.message == "买家已关闭该需求。"


# ---- expiry -----------------------------------------------------------------------------------

def test_a_demand_past_its_deadline_expires_on_read(market, post, offer):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    backdate(demand, needed_by=utcnow() - timedelta(minutes=1))
    page, live = posting.demands_of(market.buyer)
    [listed] = page.items
    assert (listed.status, live) == (DemandStatus.EXPIRED, {})
    assert status_of(quote) is QuoteStatus.EXPIRED


def test_a_quote_past_valid_until_expires_and_the_shop_may_quote_again(market, post, offer):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    backdate(quote, valid_until=utcnow() - timedelta(seconds=1))
    assert expiry.expire_overdue(demand_id=demand.id) == 1
    assert status_of(quote) is QuoteStatus.EXPIRED and status_of(demand) is DemandStatus.OPEN
    assert offer(market.merchant_a, demand).status is QuoteStatus.LIVE


def test_a_read_with_nothing_overdue_writes_nothing(market, post, offer):
    demand = post(market.buyer)
    offer(market.merchant_a, demand)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        posting.demands_of(market.buyer)
        quoting.feed(quoting.feed_shop(market.merchant_a))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert statements and all(s.lstrip().upper().startswith("SELECT") for s in statements)


def test_the_expire_command(app, market, post):
    demand = post(market.buyer)
    backdate(demand, needed_by=utcnow() - timedelta(minutes=1))
    result = app.test_cli_runner().invoke(args=["demands", "expire"])
    assert result.exit_code == 0, result.output
    assert "expired 1" in result.output
    assert status_of(demand) is DemandStatus.EXPIRED


# ---- the merchant's feed, and the track record ------------------------------------------------

def test_the_feed_shows_open_demands_of_the_district_and_categories(market, post, offer):
    fruit = post(market.buyer)
    gadget = post(market.buyer, title="蓝牙音箱", category="digital")
    clothes = post(market.buyer, title="羽绒服", category="clothing")
    far = post(market.other_buyer, district_code=ELSEWHERE)
    closed = post(market.buyer, title="已关闭")
    decisions.close_demand(market.buyer, closed.id)
    mine = offer(market.merchant_b, fruit)
    listing = quoting.feed(quoting.feed_shop(market.merchant_a))
    assert [d.id for d in listing.page.items] == [fruit.id]  # A sells produce only
    assert listing.mine == {} and listing.count == 1  # sealed: B's quote is not A's business
    listing = quoting.feed(quoting.feed_shop(market.merchant_b))
    assert [d.id for d in listing.page.items] == [gadget.id, fruit.id]
    assert listing.mine == {fruit.id: mine} and listing.count == 2
    listing = quoting.feed(quoting.feed_shop(market.merchant_a), everything=True)
    assert [d.id for d in listing.page.items] == [clothes.id, gadget.id, fruit.id]
    assert listing.count == 3
    listing = quoting.feed(quoting.feed_shop(market.merchant_far))
    assert [d.id for d in listing.page.items] == [far.id]


def test_a_shop_with_nothing_on_sale_watches_every_category(market, make_user, make_shop, post):
    owner = make_user(__import__("webapp.models", fromlist=["Role"]).Role.MERCHANT)
    make_shop(owner, district_code=market.shop_a.district_code)
    clothes = post(market.buyer, title="羽绒服", category="clothing")
    listing = quoting.feed(quoting.feed_shop(owner))
    assert [d.id for d in listing.page.items] == [clothes.id]


def test_the_comparison_reads_every_card_s_record_in_one_statement(market, post, offer,
                                                                   statements):
    """Each quoting shop's record (webapp/reviews/record.py, its figures tested in
    tests/reviews/test_record.py) comes from one statement for all the cards, not one per card."""
    demand = post(market.buyer)
    offer(market.merchant_a, demand)
    offer(market.merchant_b, demand)
    statements.clear()
    offers, _ = comparison.compare(demand)
    assert len(offers) == 2 and {o.record.completed for o in offers} == {0}
    assert len([s for s in statements if "proof_of_delivery" in s]) == 1


def test_the_comparison_orders_by_total_and_marks_the_best(market, post, offer):
    demand = post(market.buyer)
    dear = offer(market.merchant_a, demand, unit_price_fen=7000, delivery_fee_fen=0,
                 earliest_delivery=utcnow() + timedelta(hours=1))
    cheap = offer(market.merchant_b, demand, unit_price_fen=6000, delivery_fee_fen=900)
    offers, others = comparison.compare(demand)
    assert [o.quote.id for o in offers] == [cheap.id, dear.id]
    assert [(o.cheapest, o.soonest) for o in offers] == [(True, False), (False, True)]
    assert others == []
    quoting.withdraw_quote(market.merchant_a, dear.id)
    offers, others = comparison.compare(demand)
    assert [o.quote.id for o in offers] == [cheap.id] and [q.id for q in others] == [dear.id]
