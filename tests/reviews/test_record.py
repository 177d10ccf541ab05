"""A shop's record from its proofs (issue 19), against shops with known counts: completed (a
proof), on time (signed by the window's end), nothing refused, after-sales requests (withdrawn
ones aside), review scores, each with its count; under ten orders the shop is new and gets
counts, never a share (no "0%" after one order); one statement for any number of shops, kept a
while per process; shown on the shop page, in both languages."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.support.database import app_with_tables
from tests.support.factories import build_world
from tests.support.orders import words
from tests.support.reviews import after_sale, review, signed, signed_late
from webapp.extensions import db
from webapp.models import Role, Status
from webapp.reviews import record
from webapp.reviews.record import ShopRecord

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

# The busy shop: 12 delivered (9 all accepted, 2 partly refused, 1 refused whole), 2 of them
# signed after their window; orders not delivered do not count. Three reviews.
BUSY = [*[Status.COMPLETED] * 9, Status.PARTIALLY_REFUSED, Status.PARTIALLY_REFUSED,
        Status.REFUSED]
NOT_DELIVERED = [Status.PLACED, Status.CANCELLED, Status.DELIVERING, Status.DELIVERY_FAILED]
SCORES = [(5, 4, 5), (4, 4, 5), (4, 3, 5)]  # goods 4.3, delivery 3.7, service 5.0
# The new shop: 3 delivered (one late, one partly refused); the newest: one, partly refused.
NEW = [Status.COMPLETED, Status.COMPLETED, Status.PARTIALLY_REFUSED]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    yield from app_with_tables(upload_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def _cache():
    return {}


@pytest.fixture
def shops(_cache, app, make_user, make_shop, make_product, make_courier):
    """Four shops with the known orders above (one with none), built once for the module."""
    if "shops" not in _cache:
        _cache["shops"] = build_shops(app, make_user, make_shop, make_product, make_courier)
    yield _cache["shops"]
    db.session.rollback()


def build_shops(app, make_user, make_shop, make_product, make_courier):
    """Through the real services."""
    w = build_world(make_user, make_shop, make_product, make_courier, stock=1000)
    w.second = make_product(w.shop, title="草莓", price_fen=800, stock=1000)
    busy = [signed(app, w, status) for status in BUSY]
    for order in busy[:2]:
        signed_late(order)
    for order in [signed(app, w, s) for s in NOT_DELIVERED]:
        assert order.proof is None
    for order, scores in zip(busy, SCORES, strict=False):
        review(w, order, scores)
    # After-sales: two orders with requests (one with two of them), one request withdrawn.
    for order, status in ((busy[0], "requested"), (busy[0], "refunded"), (busy[1], "closed"),
                          (busy[2], "withdrawn")):
        after_sale(order, status)

    def shop_world(name):
        merchant = make_user(Role.MERCHANT)
        shop = make_shop(merchant, name=name)
        party = SimpleNamespace(merchant=merchant, shop=shop, courier=make_courier(shop),
                                buyer=w.buyer, product=make_product(shop, stock=100))
        party.second = make_product(shop, stock=100, price_fen=800)
        return party

    new, newest = shop_world("新开的店"), shop_world("最新的店")
    made = [signed(app, new, status) for status in NEW]
    signed_late(made[0])
    after_sale(made[2], "escalated")
    signed(app, newest, Status.PARTIALLY_REFUSED)
    empty = shop_world("还没开张")
    db.session.commit()
    return SimpleNamespace(busy=w.shop, new=new.shop, newest=newest.shop, empty=empty.shop,
                           world=w)


FIGURES = {
    "busy": ShopRecord(completed=12, on_time=10, clean=9, after_sales=2, reviews=3, goods=4.3,
                       delivery=3.7, service=5.0),
    "new": ShopRecord(completed=3, on_time=2, clean=2, after_sales=1),
    "newest": ShopRecord(completed=1, on_time=1, clean=0),
    "empty": ShopRecord(),
}


def test_the_figures_count_what_the_proofs_say_in_one_statement(app, shops, statements):
    ids = {name: getattr(shops, name).id for name in FIGURES}
    statements.clear()
    found = record.compute(ids.values())
    assert len(statements) == 1 and "GROUP BY" in statements[0]
    assert {name: found[i] for name, i in ids.items()} == FIGURES
    assert FIGURES["busy"].score == 4.3 and not FIGURES["busy"].small
    assert FIGURES["new"].small and FIGURES["empty"].score is None


def test_records_are_kept_a_while_and_forgotten_on_a_review(app, shops, statements):
    ids = [shops.busy.id, shops.new.id]
    app.extensions.pop("shop_records", None)
    record.records_for(ids)
    statements.clear()
    assert record.records_for(ids)[shops.new.id] == FIGURES["new"]
    assert statements == []  # both fresh: no statement
    record.forget(shops.new.id)
    record.records_for(ids)
    assert len(statements) == 1


# (shop, Chinese, English): counts under ten orders, shares with their counts from ten on.
WORDING = [
    ("busy", "已完成 12 单 · 按时送达 83%（10/12） · 无拒收签收 75%（9/12） · 售后 17%（2/12） · "
     "3 条评价 · 平均 4.3 分",
     "12 orders completed · on time 83% (10/12) · signed with nothing refused 75% (9/12) · "
     "after-sales 17% (2/12) · 3 reviews · average 4.3"),
    ("new", "新店 · 已完成 3 单 · 按时送达 2 单 · 无拒收签收 2 单 · 售后 1 单",
     "New shop · 3 orders completed · 2 on time · 2 signed with nothing refused · "
     "1 with after-sales"),
    ("newest", "新店 · 已完成 1 单 · 按时送达 1 单 · 无拒收签收 0 单 · 售后 0 单",
     "New shop · 1 order completed · 1 on time · 0 signed with nothing refused · "
     "0 with after-sales"),
    ("empty", "新店，暂无成交记录", "New shop, no completed orders yet"),
]


@pytest.mark.parametrize("shop, chinese, english", WORDING)
def test_the_shop_page_words_the_record_fairly(app, shops, client, shop, chinese, english):
    app.extensions.pop("shop_records", None)
    handle = getattr(shops, shop).handle
    for language, wording in (("zh-CN", chinese), ("en", english)):
        page = client.get(f"/s/{handle}", headers={"Accept-Language": language}).text
        line = page[page.index('id="shop-record"'):]
        shown = words("<p " + line[:line.index("</p>")])
        assert wording in shown, (language, shown)
        assert "0%" not in shown or shop == "busy"  # a new shop gets counts, no shares


def test_the_shop_page_shows_the_scores_and_reviews_newest_first(app, shops, client):
    page = words(client.get(f"/s/{shops.busy.handle}").text)
    assert "评价 商品 4.3 · 配送 3.7 · 服务 5.0 （3 条评价）" in page
    english = words(client.get(f"/s/{shops.busy.handle}",
                               headers={"Accept-Language": "en"}).text)
    assert "Reviews Goods 4.3 · Delivery 3.7 · Service 5.0 (3 reviews)" in english
