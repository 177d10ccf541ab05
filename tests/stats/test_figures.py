"""The merchant's sales figures (issue 21) against a shop with known orders, through the real
services, then moved to known instants: orders at 23:59 and 00:01 Beijing time fall on different
days (the same UTC day), cancelled and wholly refused orders are counted apart as the page says,
open orders count, refused lines are taken off; the courier's cash against what was due; the
CSV and XLSX read back cell by cell; the page in both languages; bad periods are a 400 that
says why. On SQLite and PostgreSQL (their day bucketing differs: tests/stats and .ci/run's
second pass)."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import DateTime, event, literal, select, update

from tests.support.database import app_with_tables
from tests.support.demands import demand_input
from tests.support.factories import build_world
from tests.support.orders import take_steps, words
from tests.support.reviews import after_sale, signed
from webapp.demands import posting
from webapp.extensions import db
from webapp.models import Order, OrderLine, ProofOfDelivery, Quote, QuoteStatus, Status
from webapp.stats.days import local_day
from webapp.stats.period import Period

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

BEIJING = ZoneInfo("Asia/Shanghai")
PERIOD = {"period": "custom", "from": "2026-03-09", "to": "2026-03-11"}


def utc(text: str) -> datetime:
    """A Beijing wall time 'YYYY-MM-DD HH:MM' as the naive UTC the database keeps."""
    local = datetime.fromisoformat(text).replace(tzinfo=BEIJING)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


# name: (status, placed, signed, window end, courier confirms the cash) in Beijing time.
# Each order: 1 × ¥12.50 and 1 × ¥8.00 (草莓), delivery ¥5.00: ¥25.50; refusing 草莓 leaves ¥17.50.
ORDERS = {
    "late_night": (Status.COMPLETED, "2026-03-09 23:59", "2026-03-10 00:30", "2026-03-10 01:00", True),
    "past_midnight": (Status.COMPLETED, "2026-03-10 00:01", "2026-03-10 10:00", "2026-03-10 09:00", False),
    "part_refused": (Status.PARTIALLY_REFUSED, "2026-03-10 12:00", "2026-03-11 11:00",
                     "2026-03-11 13:00", True),
    "cancelled": (Status.CANCELLED, "2026-03-10 13:00", None, None, False),
    "refused_whole": (Status.REFUSED, "2026-03-09 10:00", "2026-03-09 15:00", "2026-03-09 17:00", False),
    "open": (Status.ACCEPTED, "2026-03-11 09:00", None, None, False),
    "day_before": (Status.COMPLETED, "2026-03-08 23:59", "2026-03-09 09:00", "2026-03-09 11:00", True),
    "day_after": (Status.PLACED, "2026-03-12 00:01", None, None, False),
}
# Quotes the shop sent (status, Beijing time): 2 of the 4 in the period won.
QUOTES = [(QuoteStatus.ACCEPTED, "2026-03-09 08:00"), (QuoteStatus.FELL_THROUGH, "2026-03-10 08:00"),
          (QuoteStatus.NOT_CHOSEN, "2026-03-11 23:59"), (QuoteStatus.WITHDRAWN, "2026-03-10 09:00"),
          (QuoteStatus.ACCEPTED, "2026-03-12 00:01")]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    yield from app_with_tables(upload_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def _kept():
    return {}


@pytest.fixture
def world(_kept, app, make_user, make_shop, make_product, make_courier):
    if "world" not in _kept:
        _kept["world"] = _build(app, make_user, make_shop, make_product, make_courier)
    yield _kept["world"]
    db.session.rollback()


def _build(app, make_user, make_shop, make_product, make_courier):
    w = build_world(make_user, make_shop, make_product, make_courier, stock=1000)
    w.shop.delivery_fee_fen = 500
    w.product.title = "赣南脐橙"
    db.session.commit()
    w.second = make_product(w.shop, title="草莓", price_fen=800, stock=1000)
    w.orders = {}
    for name, (status, placed, signed_at, window_end, confirmed) in ORDERS.items():
        order = signed(app, w, status)
        if confirmed:
            take_steps(order.id, w, ["pay"])
        db.session.execute(update(Order).where(Order.id == order.id).values(
            placed_at=utc(placed), created_at=utc(placed),
            **({"window_end": utc(window_end)} if window_end else {})))
        if signed_at:
            db.session.execute(update(ProofOfDelivery).where(ProofOfDelivery.order_id == order.id)
                               .values(signed_at=utc(signed_at)))
        db.session.commit()
        w.orders[name] = order.id
    after_sale(db.session.get(Order, w.orders["late_night"]), "requested")
    after_sale(db.session.get(Order, w.orders["past_midnight"]), "withdrawn")  # not counted
    # Another shop's order in the period: never in this shop's figures.
    other = type("Other", (), {})()
    other.buyer, other.merchant, other.shop = w.buyer, w.other_merchant, w.other_shop
    other.courier, other.product = w.other_courier, make_product(w.other_shop, stock=10)
    other.second = make_product(w.other_shop, title="别家的菠萝", stock=10)
    foreign = signed(app, other, Status.COMPLETED)
    db.session.execute(update(Order).where(Order.id == foreign.id).values(
        placed_at=utc("2026-03-10 12:00")))
    demand = posting.post_demand(w.buyer, demand_input())
    for status, at in QUOTES:
        db.session.add(Quote(demand_id=demand.id, shop_id=w.shop.id, title="荔枝", unit_price_fen=100,
                             quantity=1, earliest_delivery=utc(at), valid_until=utc(at),
                             status=status, created_at=utc(at)))
    db.session.commit()
    return w


@pytest.fixture
def merchant(app, world, login_as):
    client = app.test_client()
    login_as(world.merchant, client)
    return client


def test_days_fall_in_beijing_time_and_the_counts_follow_the_rules(app, world):
    from webapp.stats.figures import figures_for
    from webapp.stats.period import parse

    with app.test_request_context():
        f = figures_for(world.shop.id, parse(PERIOD))
    # 23:59 on the 9th and 00:01 on the 10th are two minutes apart, the same UTC day.
    assert [(d.day.isoformat(), d.orders, d.revenue_fen) for d in f.days] == [
        ("2026-03-09", 1, 2550), ("2026-03-10", 2, 2550 + 1750), ("2026-03-11", 1, 2550)]
    assert (f.placed, f.sold, f.revenue_fen, f.average_fen) == (6, 4, 9400, 2350)
    assert f.called_off == {"cancelled_by_buyer": 1} and f.cancelled == 1
    assert (f.signed, f.refused_at_door, f.on_time, f.after_sales) == (4, 2, 3, 1)
    assert f.door_reasons == [("商品破损", 3)]
    assert f.after_sale_reasons == [("quality", 1)]
    assert [(p.title, p.quantity, p.revenue_fen) for p in f.products] == [
        ("赣南脐橙", 4, 5000), ("草莓", 3, 2400)]
    assert f.payments == [("cod", 4, 9400)]
    assert (f.quotes_sent, f.quotes_won) == (4, 2)


def test_cash_per_courier_per_day_shows_what_was_not_confirmed(app, world):
    from webapp.stats.cash import cash_by_courier
    from webapp.stats.period import parse

    with app.test_request_context():
        rows = cash_by_courier(world.shop.id, parse(PERIOD))
    name = world.courier.display_name
    # By the day signed: the 9th, the order placed the day before; the 10th, two signed (00:30
    # and 10:00), one confirmed; the 11th, the part-refused one. The refused one owes nothing.
    assert [(r.day.isoformat(), r.courier, r.orders, r.due_fen, r.courier_fen, r.shop_fen,
             r.unconfirmed, r.difference_fen) for r in rows] == [
        ("2026-03-09", name, 1, 2550, 2550, 0, 0, 0),
        ("2026-03-10", name, 2, 5100, 2550, 0, 1, 2550),
        ("2026-03-11", name, 1, 1750, 1750, 0, 0, 0)]


@pytest.mark.parametrize(("zone", "first", "last", "instants"), [
    ("Asia/Shanghai", "2026-03-09", "2026-03-10", [
        ("2026-03-09 15:59", "2026-03-09"), ("2026-03-09 16:01", "2026-03-10"),
        ("2026-03-09 00:00", "2026-03-09")]),
    # Summer time starts in Berlin at 01:00 UTC on 29 March 2026: +1 before, +2 after.
    ("Europe/Berlin", "2026-03-28", "2026-03-30", [
        ("2026-03-28 22:59", "2026-03-28"), ("2026-03-28 23:00", "2026-03-29"),
        ("2026-03-29 21:59", "2026-03-29"), ("2026-03-29 22:00", "2026-03-30")]),
])
def test_day_bucketing_in_sql(app, zone, first, last, instants):
    period = Period(date.fromisoformat(first), date.fromisoformat(last), ZoneInfo(zone), "custom")
    for at, day in instants:
        value = literal(datetime.fromisoformat(at), DateTime())
        with app.app_context():
            got = db.session.scalar(select(local_day(value, period.zone, period.start, period.end)))
        assert str(got) == day, (zone, at)


def test_the_page_says_the_figures_in_both_languages(merchant):
    page = words(merchant.get("/merchant/stats/", query_string=PERIOD).get_data(as_text=True))
    assert "有效订单 4 单，营业额 ¥94.00，客单价 ¥23.50。" in page
    assert "另有 1 单取消或退回，不计入营业额。" in page
    assert "2026-03-10 ¥43.00 2" in page  # the table: date, revenue, orders
    assert "50.0% 2 / 4 单已签收" in page and "75.0% 3 / 4 单已签收" in page
    assert "买家取消 1 单" in page and "商品破损 3 件商品" in page
    merchant.set_cookie("lang", "en")
    english = words(merchant.get("/merchant/stats/", query_string=PERIOD).get_data(as_text=True))
    assert "4 valid orders, revenue ¥94.00, average order ¥23.50." in english
    assert "Cancelled by the buyer" in english and "Sales figures" in english


def test_the_csv_reads_back(merchant):
    response = merchant.get("/merchant/stats/export.csv", query_string=PERIOD)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["营业额（元）", "94.00"] in rows and ["客单价（元）", "23.50"] in rows
    assert ["拒收率", "50.0%"] in rows and ["报价成交率", "50.0%"] in rows
    daily = rows.index(["日期", "有效订单", "营业额（元）"])
    assert rows[daily + 1:daily + 4] == [["2026-03-09", "1", "25.50"], ["2026-03-10", "2", "43.00"],
                                         ["2026-03-11", "1", "25.50"]]
    cash = rows.index(["日期", "骑手", "单数", "应收（元）", "骑手确认收款（元）", "商家确认收款（元）",
                       "未确认单数", "差额（元）"])
    assert rows[cash + 2][2:] == ["2", "51.00", "25.50", "0.00", "1", "25.50"]
    assert rows[cash + 4] == ["合计", "", "4", "94.00", "68.50", "0.00", "1", "25.50"]


def test_the_xlsx_reads_back_in_the_readers_language(merchant):
    merchant.set_cookie("lang", "en")
    response = merchant.get("/merchant/stats/export.xlsx", query_string=PERIOD)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["Summary", "Per day", "Top products", "Payment method", "Reason",
                               "Courier cash"]
    daily = book["Per day"]
    assert [c.value for c in daily[1]] == ["Date", "Valid orders", "Revenue (yuan)"]
    assert (daily["A3"].value, daily["B3"].value, daily["C3"].value) == ("2026-03-10", 2, 43.0)
    assert daily["C3"].number_format == "0.00"
    products = book["Top products"]
    assert [c.value for c in products[2]][1:] == ["赣南脐橙", 4, 50.0] or \
        [c.value for c in products[2]][1:] == ["赣南脐橙", "", 4, 50.0]
    cash = book["Courier cash"]
    assert [c.value for c in cash[3]][2:] == [2, 51.0, 25.5, 0.0, 1, 25.5]
    summary = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=2)}
    assert summary["Refusal rate"].value == 0.5 and summary["Refusal rate"].number_format == "0.0%"


@pytest.mark.parametrize("query,says", [
    ({"period": "custom", "from": "2026-02-30", "to": "2026-03-01"}, "不是有效日期"),
    ({"period": "custom", "from": "yesterday", "to": "2026-03-01"}, "不是有效日期"),
    ({"period": "custom", "from": "2026-03-10", "to": "2026-03-01"}, "开始日期不能晚于结束日期"),
    ({"period": "custom", "from": "2024-01-01", "to": "2026-03-01"}, "时间范围最长 366 天"),
    ({"period": "custom", "from": "2026-03-01"}, "需要填写开始日期和结束日期"),
    ({"period": "custom", "from": "2026-03-01", "to": "2999-01-01"}, "之间"),
    ({"period": "90"}, "近 7 天、近 30 天或自定义"),
])
@pytest.mark.parametrize("path", ["/merchant/stats/", "/merchant/stats/export.csv",
                                  "/merchant/stats/export.xlsx"])
def test_a_bad_period_is_a_400_that_says_why(merchant, query, says, path):
    response = merchant.get(path, query_string=query)
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)


def test_the_presets_and_the_default(merchant):
    for query, days in (({}, 7), ({"period": "7"}, 7), ({"period": "30"}, 30)):
        page = merchant.get("/merchant/stats/", query_string=query).get_data(as_text=True)
        assert page.count('<th scope="row">20') == 2 * days, query  # a row a day, two tables


def test_the_figures_are_a_few_grouped_statements_along_the_index(app, world, merchant):
    """However many orders: the same statements (no query per order or per day), and every one
    that reads the period's orders goes through ix_order_shop_placed on SQLite (migration 0032);
    on PostgreSQL, whose planner prefers a sequential scan on a table this small and ties the
    shop's indexes, each can read the orders through an index (sequential scans off)."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert merchant.get("/merchant/stats/", query_string=PERIOD).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        reads = [(s, p) for s, p in seen if s.lstrip().startswith("SELECT") and "placed_at" in s]
        # the orders (per day, totals and payments in one), called off, door reasons,
        # after-sales (2), products
        assert len(reads) == 6, [s for s, _ in reads]
        assert len(seen) <= 16, [s for s, _ in seen]
        connection = db.session.connection()
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in reads:
            rows = connection.exec_driver_sql(
                ("EXPLAIN " if postgres else "EXPLAIN QUERY PLAN ") + statement, parameters).all()
            plan = " ".join(str(row[0] if postgres else row[3]) for row in rows)
            if postgres:  # its costs tie on a table this small: no scan of every order, then
                assert 'Seq Scan on "order"' not in plan, (statement, plan)
            else:
                assert "ix_order_shop_placed" in plan, (statement, plan)
        db.session.rollback()


@pytest.mark.skipif(not hasattr(OrderLine, "variant_name"), reason="order lines name no variant yet")
def test_top_products_go_by_variant_where_lines_name_one(app, world):
    """Two variants of one product are two rows (the variants of issue 21); a line without one
    stays the product's own row."""
    from webapp.stats.figures import figures_for
    from webapp.stats.period import parse

    lines = db.session.scalars(select(OrderLine).where(
        OrderLine.order_id.in_([world.orders["late_night"], world.orders["past_midnight"]]),
        OrderLine.title == "赣南脐橙").order_by(OrderLine.id)).all()
    try:
        for line, name in zip(lines, ("5斤", "10斤"), strict=True):
            line.variant_name = name
        db.session.commit()
        with app.test_request_context():
            f = figures_for(world.shop.id, parse(PERIOD))
        rows = {(p.title, p.variant): (p.quantity, p.revenue_fen) for p in f.products}
        assert f.has_variants
        assert rows[("赣南脐橙", "5斤")] == (1, 1250) and rows[("赣南脐橙", "10斤")] == (1, 1250)
        assert rows[("赣南脐橙", "")] == (2, 2500)
    finally:
        for line in lines:
            line.variant_name = ""
        db.session.commit()
