"""Every domain's pages in both languages: with the `lang=en` cookie nothing Chinese is left but
what users typed (the data here is ASCII) and the names of places; without it, Chinese."""
from __future__ import annotations

import html
import json
import re
import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import pytest

from tests.support.factories import submit_complete, window_value
from tests.support.helpers import url
from tests.support.orders import take_steps
from webapp.demands import posting, quoting
from webapp.extensions import db
from webapp.models import Role, utcnow
from webapp.orders import actions as order_actions
from webapp.orders import checkout as order_checkout
from webapp.orders import queries as order_queries
from webapp.orders import reasons as order_reasons
from webapp.regions.services import cities, districts, provinces

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
HERE = "110105"
ROOT = Path(__file__).resolve().parents[2]


class Scene:
    pass


@pytest.fixture
def scene(app, make_user, make_shop, make_product):
    """A shop with ASCII names, its orders at every interesting point, a demand with a quote,
    and an application waiting for review."""
    s = Scene()
    now = utcnow()
    s.merchant = make_user(Role.MERCHANT, display_name="Owner Zhao")
    s.shop = make_shop(s.merchant, name="Fruit Stall", handle="fruit-stall", district_code=HERE,
                       verified_at=now)
    s.courier = make_user(Role.COURIER, shop_id=s.shop.id, display_name="Courier Wang")
    s.product = make_product(s.shop, title="Navel oranges", price_fen=1250, stock=50,
                             category="produce", published=True)
    s.buyer = make_user(Role.BUYER, display_name="Buyer Li")
    s.admin = make_user(Role.ADMIN, display_name="Admin Qian")

    def order(*steps):
        placed = order_checkout.place_order(
            s.buyer, s.shop.id, {s.product.id: 2}, destination=order_checkout.Destination(
                "Li Lei", "13912345678", "1 Jianguo Road", HERE),
            window=window_value(app, s.shop), payment_method="cod", note="Ring twice",
            idempotency_key=secrets.token_hex(16))
        take_steps(placed.id, s, steps, signer="Li Lei", fail_note="no answer")
        return placed

    s.new = order()
    s.failed = order("accept", "assign", "start", "fail")
    s.delivering = order("accept", "assign", "start")
    s.arrived = order("accept", "assign", "start", "arrive")
    s.signed = order("accept", "assign", "start", "arrive", "sign", "pay")
    s.refused = order("accept", "assign", "start", "arrive", "sign_refusing_all")
    order_actions.cancel(order().id, s.buyer, order_reasons.BUYER_CANCEL_REASONS[0])

    s.demand = posting.post_demand(s.buyer, posting.DemandInput(
        title="Fresh lychees", description="For a party", category="produce", quantity=2,
        budget_fen=15000, district_code=HERE, needed_by=now + timedelta(days=2),
        idempotency_key=secrets.token_hex(16), photo=None))
    s.quote = quoting.submit_quote(s.merchant, s.demand.id, quoting.QuoteInput(
        product_id=None, title="Lychees grade one", unit_price_fen=6000, quantity=2,
        delivery_fee_fen=800, earliest_delivery=now + timedelta(hours=3),
        valid_until=now + timedelta(days=1), note="Picked today"))

    applicant = make_user(Role.MERCHANT, display_name="Applicant Sun")
    s.application = submit_complete(applicant, legal_name="Wang Xiaoming", shop_name="Green Grocer",
                                    shop_address="1 Jianguo Road", street="1 Jianguo Road")
    db.session.expire_all()
    return s


def pages(s, app):
    """(who, path, Chinese it shows, its English) for the pages of each domain."""
    return [
        (s.merchant, url(app, "orders.board"), "订单看板", "Order board"),
        (s.merchant, url(app, "orders.detail", order_id=s.failed.id), "配送失败：收件人不在",
         "Delivery failed: Recipient not there"),
        (s.merchant, url(app, "catalog.products"), "全部商品", "All products"),
        (s.merchant, url(app, "catalog.edit", product_id=s.product.id), "上架销售", "On sale"),
        (s.merchant, url(app, "merchants.dashboard"), "订单看板", "Order board"),
        (s.merchant, url(app, "merchants.couriers"), "新建骑手账号", "New courier account"),
        (s.merchant, url(app, "merchants.shop_settings"), "配送时段与配送费", "Delivery slots and fee"),
        (s.merchant, url(app, "demands.feed"), "需求大厅", "Buyer requests"),
        (s.merchant, url(app, "demands.detail", demand_id=s.demand.id), "本店报价", "Your quote"),
        (s.admin, url(app, "admin.applications"), "商家实名审核", "Merchant identity review"),
        (s.admin, url(app, "admin.review", application_id=s.application.id), "申请资料", "Application"),
        (s.courier, url(app, "delivery.index"), "我的配送", "My deliveries"),
        (s.courier, url(app, "delivery.detail", order_id=s.delivering.id), "无法送达？", "Cannot deliver?"),
        (s.buyer, url(app, "demands.index"), "我的需求", "My requests"),
        (s.buyer, url(app, "demands.new"), "发布需求", "Post a request"),
        (s.buyer, url(app, "demands.detail", demand_id=s.demand.id), "报价对比", "Quote comparison"),
        (s.buyer, url(app, "demands.checkout", quote_id=s.quote.id), "接受报价并下单",
         "Accept quote and order"),
        (s.buyer, url(app, "orders.detail", order_id=s.delivering.id), "配送地图", "Delivery map"),
        (s.buyer, url(app, "orders.detail", order_id=s.arrived.id), "在下方用手指签名",
         "Sign below with your finger"),
        (s.buyer, url(app, "orders.proof", order_id=s.signed.id), "签收凭证", "Proof of delivery"),
        (s.buyer, url(app, "orders.proof", order_id=s.refused.id), "拒收凭证", "Proof of refusal"),
        (s.buyer, url(app, "orders.index"), "我的订单", "My orders"),
    ]


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """The names of China's provinces, cities and districts: data (pca-code), shown as they are
    (a region select lists them all)."""
    names = set()
    for province, name in provinces():
        names.add(name)
        for city, city_name in cities(province):
            names.add(city_name)
            names.update(n for _code, n in districts(city))
    return frozenset(names)


def chinese_in(page: str) -> list[str]:
    """The Chinese left on an English page, besides place names and the switch back to 中文.
    Reasons (a cancel, a refusal) are posted and stored as their Chinese msgid, so an option's
    value may be Chinese; what it shows may not."""
    page = page.replace('>中文</button>', "")
    page = re.sub(r'<option value="[^"]*"', "<option", page)
    return [run for run in CJK.findall(page) if run not in place_names()]


def test_pages_in_english_have_no_chinese(app, client, login_as, scene):
    client.set_cookie("lang", "en")
    for user, path, _chinese, english in pages(scene, app):
        login_as(user)
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert '<html lang="en">' in page, path
        assert english in page, path
        assert not chinese_in(page), (path, chinese_in(page))


def test_pages_without_a_choice_are_chinese(app, client, login_as, scene):
    for user, path, chinese, english in pages(scene, app):
        login_as(user)
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="zh-CN">' in page, path
        assert chinese in page, path
        assert english not in page, path


def test_the_scene_covers_the_stored_notes(app, client, login_as, scene):
    """Events recorded as kinds and parameters (a reason, a payment) read in English."""
    client.set_cookie("lang", "en")
    login_as(scene.merchant)
    log = client.get(url(app, "orders.detail", order_id=scene.signed.id)).get_data(as_text=True)
    assert "Paid: Cash on delivery ¥" in log
    login_as(scene.buyer)
    refused = client.get(url(app, "orders.proof", order_id=scene.refused.id)).get_data(as_text=True)
    assert "Damaged" in refused and "Everything refused by Li Lei, ¥" in client.get(
        url(app, "orders.detail", order_id=scene.refused.id)).get_data(as_text=True)
    cancelled = order_queries.orders_of_buyer(scene.buyer, "cancelled").items[0]
    page = client.get(url(app, "orders.detail", order_id=cancelled.id)).get_data(as_text=True)
    assert "Cancelled by the buyer: No longer needed." in page


def test_htmx_fragments_follow_the_language(app, client, login_as, scene):
    client.set_cookie("lang", "en")
    login_as(scene.merchant)
    fragment = client.get(url(app, "orders.board"), headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert 'id="order-board"' in text and "<html" not in text
    assert "To assign" in text and "Accept" in text and not chinese_in(text)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_scripts_get_their_texts_in_the_page_language(app, client, login_as, scene, lang):
    """<body data-i18n> holds every key the scripts ask for, in the page's language."""
    client.set_cookie("lang", lang)
    login_as(scene.courier)
    page = client.get(url(app, "delivery.detail", order_id=scene.delivering.id)).get_data(as_text=True)
    block = re.search(r"<body[^>]*\sdata-i18n='([^']*)'", page)
    strings = json.loads(html.unescape(block.group(1)))
    used = set()
    for script in (ROOT / "static" / "js").glob("*.js"):
        used |= set(re.findall(r'\bt\("([\w.]+)"\s*[,)]', script.read_text(encoding="utf-8")))
    # courier.js words a refused position by its code: every code the server sends has words.
    codes = re.findall(r'PositionRefused\("(\w+)"', (ROOT / "webapp/delivery/services.py").read_text())
    used |= {f"position.{code}" for code in codes}
    assert len(used) > 40 and "position.too_fast" in used
    assert used <= set(strings), used - set(strings)
    if lang == "en":
        assert strings["courier.offline"] == "Offline · %(n)s positions saved, sent when you are back online"
        assert not [k for k, v in strings.items() if CJK.search(v)]
    else:
        assert strings["courier.offline"] == "网络已断开 · 已缓存 %(n)s 个位置，恢复后自动补发"
        assert strings["eta.km"] == "预计 %(minutes)s 分钟送达 · 距离 %(km)s 公里"


def test_money_and_times_in_english(app, client, login_as, scene):
    client.set_cookie("lang", "en")
    login_as(scene.buyer)
    page = client.get(url(app, "orders.detail", order_id=scene.delivering.id)).get_data(as_text=True)
    assert re.search(r"Total</span><strong>¥\d+\.\d\d<", page)
    assert "Payment: Cash on delivery" in page
    assert re.search(r"<dd>\d\d/\d\d \d\d:\d\d–\d\d:\d\d</dd>", page)  # the delivery window
