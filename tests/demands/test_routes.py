"""Every demand and quote endpoint, as a whole page and as the htmx fragment it swaps; bad input
comes back on the form with what was typed; the rate limits answer 429 with a clear message."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.database import app_with_limits
from tests.support.demands import HERE, checkout_window, local, quote_form
from tests.support.factories import stock_of
from tests.support.helpers import (
    HX,
    assert_flash_error,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    checked_radio,
    input_value,
    post_multipart,
    selected_option,
    stored_files,
    upload,
    url,
)
from tests.support.images import jpeg_bytes
from webapp.demands import decisions, posting, quoting
from webapp.demands.forms import INPUT_FORMAT
from webapp.extensions import db
from webapp.models import Demand, DemandStatus, Order, Quote, QuoteStatus, Role, utcnow
from webapp.orders.shown import of_quote


def demand_form(**changes) -> dict:
    data = {"title": "20 斤妃子笑荔枝", "description": "周末请客用", "category": "produce",
            "quantity": "2", "budget": "150", "province": "11", "city": "1101",
            "district": HERE, "needed_by": local(timedelta(days=2)),
            "idempotency_key": "c" * 32}
    data.update(changes)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


# ---- the buyer ---------------------------------------------------------------------------------


def test_my_demands_is_a_page_or_a_fragment(app, client, login_as, market, post, offer):
    demand = post(market.buyer)
    offer(market.merchant_a, demand)
    offer(market.merchant_b, demand)
    post(market.other_buyer, title="别人的需求")
    login_as(market.buyer)
    path = url(app, "demands.index")
    text = assert_page(client.get(path), "my-demands")
    assert "2 个报价" in text and "别人的需求" not in text
    fragment = assert_fragment(client.get(path, headers=HX), "my-demands")
    assert 'hx-trigger="quote:submitted from:body' in fragment
    assert f'id="my-demand-{demand.id}"' in fragment


def test_the_new_demand_form_starts_filled_in(app, client, login_as, market, address_of):
    address_of(market.buyer, district_code="110101", detail="东长安街 1 号")
    login_as(market.buyer)
    path = url(app, "demands.new")
    text = assert_page(client.get(path), "demand-form")
    assert re.fullmatch(r"[0-9a-f]{32}", input_value(text, "idempotency_key"))
    assert selected_option(text, "district") == "110101"  # the default address's district
    assert input_value(text, "needed_by")  # tomorrow, local time
    assert_fragment(client.get(path, headers=HX), "demand-form")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_posting_a_demand_with_a_photo(app, client, login_as, market, htmx):
    login_as(market.buyer)
    data = demand_form(photo=upload(jpeg_bytes((2400, 1600)), "lychee.jpg"))
    response = post_multipart(client, url(app, "demands.new"), data,
                              headers=HX if htmx else {})
    demand = db.session.scalar(select(Demand))
    target = url(app, "demands.detail", demand_id=demand.id)
    if htmx:
        assert_htmx_redirect(response, target)
    else:
        assert_redirect(response, target)
    assert (demand.title, demand.quantity, demand.budget_fen, demand.district_code) == (
        "20 斤妃子笑荔枝", 2, 15000, HERE)
    [stored] = stored_files(app)
    from PIL import Image

    with Image.open(stored) as image:
        assert max(image.size) == posting.PHOTO_MAX_SIDE  # shrunk, re-encoded
    with client.get(url(app, "demands.photo", demand_id=demand.id)) as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
        assert photo.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("changes, field_id, message", [
    ({"title": ""}, "title", "请写下你需要什么"),
    ({"quantity": "0"}, "quantity", "数量需为 1 到 9999"),
    ({"budget": "0"}, "budget", "请输入大于 0 的金额"),
    ({"district": ""}, "district", "请选择省份、城市和区县"),
    ({"district": "110101", "city": "1201"}, "district", "不匹配"),
    ({"needed_by": "tomorrow"}, "needed_by", "请选择日期和时间"),
    ({"needed_by": local(timedelta(minutes=-30))}, "needed_by", "至少要在 30 分钟之后"),
    ({"category": "weapons"}, "category", "请选择品类"),
], ids=["title", "quantity", "budget", "district", "mismatch", "unreadable-time", "past",
        "category"])
def test_a_bad_demand_comes_back_with_what_was_typed(app, client, login_as, market, changes,
                                                     field_id, message):
    login_as(market.buyer)
    data = demand_form(**changes)
    response = client.post(url(app, "demands.new"), data=data, headers=HX)
    text = assert_fragment(response, "demand-form", status=422)
    assert f'id="{field_id}-error"' in text and message in text
    for name in ("title", "budget", "quantity"):
        if name not in changes:
            assert input_value(text, name) == data[name]
    assert count(Demand) == 0


def test_a_bad_photo_is_refused_and_nothing_is_posted(app, client, login_as, market):
    login_as(market.buyer)
    response = post_multipart(client, url(app, "demands.new"),
                              demand_form(photo=upload(b"not an image", "x.jpg")), headers=HX)
    text = assert_fragment(response, "demand-form", status=422)
    assert "请上传 JPEG、PNG 或 WebP 图片" in text and input_value(text, "title") == "20 斤妃子笑荔枝"
    assert count(Demand) == 0 and stored_files(app) == []


def test_the_region_refresh_without_javascript_only_redraws(app, client, login_as, market):
    login_as(market.buyer)
    response = client.post(url(app, "demands.new"),
                           data=demand_form(province="12", region_refresh="1"))
    text = assert_page(response, "demand-form")
    assert 'value="1201"' in text and count(Demand) == 0


def test_the_buyer_compares_quotes_as_a_page_or_a_fragment(app, client, login_as, market, post,
                                                           offer):
    demand = post(market.buyer, budget_fen=12000)
    cheap = offer(market.merchant_b, demand, unit_price_fen=5000, delivery_fee_fen=0)
    dear = offer(market.merchant_a, demand, unit_price_fen=6000, delivery_fee_fen=800,
                 earliest_delivery=utcnow() + timedelta(minutes=30), note="当天现摘")
    login_as(market.buyer)
    path = url(app, "demands.detail", demand_id=demand.id)
    text = assert_page(client.get(path), f"demand-{demand.id}-quotes")
    assert text.index(f'id="offer-{cheap.id}"') < text.index(f'id="offer-{dear.id}"')
    assert "¥100.00" in text and "¥128.00" in text  # totals including the delivery fee
    assert "总价最低" in text and "送达最早" in text and "超出预算" in text
    assert "✔ 实名认证" in text and "新店，暂无成交记录" in text and "当天现摘" in text
    assert url(app, "demands.checkout", quote_id=cheap.id) in text
    fragment = assert_fragment(client.get(path, headers=HX), f"demand-{demand.id}-quotes")
    assert "quote:submitted from:body" in fragment


def test_declining_a_quote_by_htmx_and_by_form(app, client, login_as, market, post, offer):
    demand = post(market.buyer)
    a, b = offer(market.merchant_a, demand), offer(market.merchant_b, demand)
    login_as(market.buyer)
    text = assert_fragment(client.post(url(app, "demands.decline", quote_id=a.id), headers=HX),
                           f"demand-{demand.id}-quotes")
    assert f'id="other-{a.id}"' in text and "买家已婉拒" in text
    response = client.post(url(app, "demands.decline", quote_id=b.id))
    assert_redirect(response, url(app, "demands.detail", demand_id=demand.id))
    assert_flash_error(client.post(url(app, "demands.decline", quote_id=b.id), headers=HX),
                       409, "你已婉拒该报价")


def test_closing_a_demand(app, client, login_as, market, post, offer):
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    login_as(market.buyer)
    text = assert_fragment(client.post(url(app, "demands.close", demand_id=demand.id),
                                       headers=HX), f"demand-{demand.id}-quotes")
    assert "你已关闭这个需求" in text
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status is QuoteStatus.NOT_CHOSEN
    assert_flash_error(client.post(url(app, "demands.close", demand_id=demand.id), headers=HX),
                       409, "买家已关闭该需求")
    second = post(market.buyer, title="第二个需求")
    response = client.post(url(app, "demands.close", demand_id=second.id))
    assert_redirect(response, url(app, "demands.detail", demand_id=second.id))
    assert "需求已关闭" in client.get(response.headers["Location"]).text


def test_a_cancelled_order_is_said_on_the_demand(app, client, login_as, market, post, offer,
                                                 accept):
    from webapp.orders import actions as order_actions

    demand = post(market.buyer)
    order = accept(market.buyer, offer(market.merchant_a, demand))
    order_actions.cancel(order.id, market.buyer, "不想要了")
    login_as(market.buyer)
    text = client.get(url(app, "demands.detail", demand_id=demand.id)).text
    # The demand reopened (issue 19): said so, with the order that fell through.
    assert "的订单未完成，需求已重新开放" in text
    assert url(app, "orders.detail", order_id=order.id) in text


# ---- accepting and checking out --------------------------------------------------------------


def checkout_form(app, quote, address, **changes) -> dict:
    data = {"address_id": str(address.id), "window": checkout_window(app, quote),
            "payment_method": "wechat", "note": "放门口", "idempotency_key": "d" * 32,
            "shown": of_quote(quote).text()}  # the quote as its checkout page shows it
    data.update(changes)
    return data


def test_the_quote_checkout_is_a_page_or_a_fragment(app, client, login_as, market, post, offer,
                                                    address_of):
    address = address_of(market.buyer)
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand, earliest_delivery=utcnow() + timedelta(days=2))
    login_as(market.buyer)
    path = url(app, "demands.checkout", quote_id=quote.id)
    text = assert_page(client.get(path), "quote-checkout-form")
    assert checked_radio(text, "address_id") == str(address.id)
    assert url(app, "addresses.new", next=path) in text
    assert "¥128.00" in text  # 2 × ¥60 + ¥8
    # Only windows ending after the quote's earliest delivery are offered.
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(app.config["TIMEZONE"])
    ends = [datetime.strptime(v.split("/")[1], INPUT_FORMAT).replace(tzinfo=zone)
            for v in re.findall(r'<option value="([^"]+/[^"]+)"', text)]
    assert ends and all(end > quote.earliest_delivery.replace(tzinfo=UTC) for end in ends)
    assert_fragment(client.get(path, headers=HX), "quote-checkout-form")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_checking_out_a_quote_places_the_order(app, client, login_as, market, post, offer,
                                               address_of, htmx):
    address = address_of(market.buyer)
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand, product_id=market.product_a.id, quantity=2)
    other = offer(market.merchant_b, demand)
    login_as(market.buyer)
    response = client.post(url(app, "demands.checkout", quote_id=quote.id),
                           data=checkout_form(app, quote, address), headers=HX if htmx else {})
    order = db.session.scalar(select(Order))
    target = url(app, "orders.detail", order_id=order.id)
    (assert_htmx_redirect if htmx else assert_redirect)(response, target)
    assert (order.quote_id, order.total_fen, order.payment_method, order.note) == (
        quote.id, 2 * 6000 + 800, "wechat", "放门口")
    assert order.address.endswith("建国路 1 号") and stock_of(market.product_a) == 1
    db.session.expire_all()
    assert db.session.get(Quote, other.id).status is QuoteStatus.NOT_CHOSEN
    # The buyer's demand page now points at the order.
    text = client.get(url(app, "demands.detail", demand_id=demand.id)).text
    assert target in text and "已成交" in text


def test_checkout_out_of_stock_says_so_on_the_form(app, client, login_as, market, post, offer,
                                                   address_of):
    address = address_of(market.buyer)
    demand = post(market.buyer, quantity=5)
    quote = offer(market.merchant_a, demand, product_id=market.product_a.id, quantity=5)
    login_as(market.buyer)
    data = checkout_form(app, quote, address)
    text = assert_fragment(client.post(url(app, "demands.checkout", quote_id=quote.id),
                                       data=data, headers=HX), "quote-checkout-form", status=409)
    assert "库存不足，仅剩 3 件" in text
    assert checked_radio(text, "payment_method") == "wechat"
    assert selected_option(text, "window") == data["window"]
    assert count(Order) == 0 and stock_of(market.product_a) == 3
    db.session.expire_all()
    assert db.session.get(Demand, demand.id).status is DemandStatus.OPEN


def test_checkout_of_a_withdrawn_quote_is_refused(app, client, login_as, market, post, offer,
                                                  address_of):
    address = address_of(market.buyer)
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    data = checkout_form(app, quote, address)
    quoting.withdraw_quote(market.merchant_a, quote.id)
    login_as(market.buyer)
    path = url(app, "demands.checkout", quote_id=quote.id)
    response = client.get(path)
    assert response.status_code == 409 and "商家已撤回该报价" in response.text
    text = assert_fragment(client.post(path, data=data, headers=HX), "quote-checkout-form",
                           status=409)
    assert "商家已撤回该报价" in text and count(Order) == 0


def test_checkout_with_a_bad_window_comes_back(app, client, login_as, market, post, offer,
                                               address_of):
    address = address_of(market.buyer)
    demand = post(market.buyer)
    quote = offer(market.merchant_a, demand)
    login_as(market.buyer)
    text = assert_fragment(client.post(
        url(app, "demands.checkout", quote_id=quote.id),
        data=checkout_form(app, quote, address, window="2020-01-01T09:00/2020-01-01T11:00"),
        headers=HX), "quote-checkout-form", status=422)
    assert "该送达时段已不可选" in text and count(Order) == 0


# ---- the merchant ------------------------------------------------------------------------------


def test_the_feed_is_a_page_or_a_fragment(app, client, login_as, market, post, offer):
    fruit = post(market.buyer)
    gadget = post(market.buyer, title="蓝牙音箱", category="digital")
    quote = offer(market.merchant_a, fruit)
    login_as(market.merchant_a)
    path = url(app, "demands.feed")
    text = assert_page(client.get(path), "demand-feed")
    assert f'id="feed-demand-{fruit.id}"' in text and f'id="feed-demand-{gadget.id}"' not in text
    assert 'data-demand-watch="mine"' in text and 'id="my-quotes"' in text
    assert f'id="my-quote-{quote.id}"' in text and "等待买家选择" in text
    fragment = assert_fragment(client.get(path, headers=HX), "demand-feed")
    assert "demand:posted from:body" in fragment and 'id="my-quotes"' not in fragment
    mine = assert_fragment(client.get(path, headers={**HX, "HX-Target": "my-quotes"}),
                           "my-quotes")
    assert "quote:decided from:body" in mine
    everything = assert_page(client.get(url(app, "demands.feed", all=1)), "demand-feed")
    assert f'id="feed-demand-{gadget.id}"' in everything
    assert 'data-demand-watch="all"' in everything


def test_the_merchant_sees_the_demand_and_a_quote_form(app, client, login_as, market, post):
    demand = post(market.buyer)
    login_as(market.merchant_a)
    path = url(app, "demands.detail", demand_id=demand.id)
    text = assert_page(client.get(path), "my-quote")
    assert 'id="quote-form"' in text and demand.title in text
    assert input_value(text, "quantity") == "2" and input_value(text, "delivery_fee") == "5.00"
    assert selected_option(text, "product_id") in (None, "")
    assert market.product_a.title in text and market.product_b.title not in text
    assert_fragment(client.get(path, headers=HX), "my-quote")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_merchant_quotes_edits_and_withdraws(app, client, login_as, market, post, htmx):
    demand = post(market.buyer)
    login_as(market.merchant_a)
    headers = HX if htmx else {}
    response = client.post(url(app, "demands.quote", demand_id=demand.id), data=quote_form(),
                           headers=headers)
    quote = db.session.scalar(select(Quote))
    if htmx:
        text = assert_fragment(response, "my-quote")
        assert "已报价，等待买家选择" in text and "¥128.00" in text
    else:
        assert_redirect(response, url(app, "demands.detail", demand_id=demand.id))
    edit = client.get(url(app, "demands.detail", demand_id=demand.id, edit=1), headers=HX)
    text = assert_fragment(edit, "my-quote")
    assert input_value(text, "unit_price") == "60.00" and "保存修改" in text
    response = client.post(url(app, "demands.edit_quote", quote_id=quote.id),
                           data=quote_form(unit_price="55.5"), headers=headers)
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).unit_price_fen == 5550
    response = client.post(url(app, "demands.withdraw", quote_id=quote.id), headers=headers)
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status is QuoteStatus.WITHDRAWN
    if htmx:
        text = assert_fragment(response, "my-quote")
        assert "已撤回" in text and 'id="quote-form"' in text  # and may quote again


@pytest.mark.parametrize("changes, field_id, message", [
    ({"unit_price": "0"}, "unit_price", "单价需大于 0"),
    ({"unit_price": "12.345"}, "unit_price", "单价需大于 0"),
    ({"delivery_fee": "-1"}, "delivery_fee", "配送费需为 0 或正数"),
    ({"valid_until": local(timedelta(hours=-1))}, "valid_until", "有效期需晚于现在"),
    ({"valid_until": local(timedelta(days=5))}, "valid_until", "不能晚于买家的需要时间"),
    ({"earliest_delivery": local(timedelta(days=-1))}, "earliest_delivery", "不能早于现在"),
    ({"item_title": ""}, "item_title", "填写报价的商品名称"),
    ({"quantity": "abc"}, "quantity", "整数"),
], ids=["price-0", "price-3-decimals", "fee-negative", "valid-until-past",
        "valid-until-after-deadline", "delivery-past", "no-item", "quantity-word"])
def test_a_bad_quote_comes_back_with_what_was_typed(app, client, login_as, market, post, changes,
                                                    field_id, message):
    demand = post(market.buyer)
    login_as(market.merchant_a)
    data = quote_form(**changes)
    response = client.post(url(app, "demands.quote", demand_id=demand.id), data=data, headers=HX)
    text = assert_fragment(response, "my-quote", status=422)
    assert f'id="{field_id}-error"' in text and message in text
    for name in ("item_title", "unit_price", "delivery_fee", "earliest_delivery"):
        assert input_value(text, name) == data[name]
    assert f"{data['note']}</textarea>" in text
    assert count(Quote) == 0


def test_a_quote_naming_another_shops_product_comes_back(app, client, login_as, market, post):
    demand = post(market.buyer)
    login_as(market.merchant_a)
    response = client.post(url(app, "demands.quote", demand_id=demand.id),
                           data=quote_form(product_id=str(market.product_b.id)), headers=HX)
    text = assert_fragment(response, "my-quote", status=422)
    assert 'id="product_id-error"' in text and "只能用本店的商品报价" in text
    assert input_value(text, "unit_price") == "60.00" and count(Quote) == 0


def test_a_quote_on_a_closed_demand_gets_409_with_the_reason(app, client, login_as, market,
                                                             post):
    demand = post(market.buyer)
    decisions.close_demand(market.buyer, demand.id)
    login_as(market.merchant_a)
    response = client.post(url(app, "demands.quote", demand_id=demand.id), data=quote_form(),
                           headers=HX)
    text = assert_fragment(response, "my-quote", status=409)
    assert "买家已关闭该需求。不能再报价。" in text and count(Quote) == 0


def test_a_second_quote_from_the_same_shop_gets_409(app, client, login_as, market, post, offer):
    demand = post(market.buyer)
    offer(market.merchant_a, demand)
    login_as(market.merchant_a)
    response = client.post(url(app, "demands.quote", demand_id=demand.id), data=quote_form(),
                           headers=HX)
    assert response.status_code == 409 and "本店已对该需求报价" in response.text
    assert count(Quote) == 1


def test_an_anonymous_htmx_request_is_sent_to_login(app, client, market, post):
    demand = post(market.buyer)
    for path in (url(app, "demands.detail", demand_id=demand.id), url(app, "demands.feed")):
        response = client.get(path, headers=HX)
        assert response.status_code == 401 and "/auth/login" in response.headers["HX-Redirect"]


def test_the_nav_links(app, client, login_as, market):
    login_as(market.buyer)
    assert url(app, "demands.index") in client.get(url(app, "orders.index")).text
    other = app.test_client()
    login_as(market.merchant_a, other)
    text = other.get(url(app, "orders.board")).text
    assert url(app, "demands.feed") in text and 'id="demand-badge"' in text


# ---- rate limits --------------------------------------------------------------------------------


@pytest.fixture
def limited_app(tmp_path):
    yield from app_with_limits(tmp_path / "uploads", DEMAND_POST_LIMIT="2 per hour",
                               QUOTE_LIMIT="2 per hour")


def person(role: Role, **fields):
    """A user in the limited app's database (the shared factories use the `app` fixture's)."""
    from webapp.models import User

    user = User(role=role, email=f"{secrets.token_hex(4)}@example.com", display_name=str(role),
                password_hash="x", **fields)
    db.session.add(user)
    db.session.commit()
    return user


def logged_in(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    return client


def test_demand_posts_are_rate_limited(limited_app):
    app = limited_app
    client = logged_in(app, person(Role.BUYER))
    path = url(app, "demands.new")
    # A form sent back for a mistake does not count; only posts that went through do.
    assert client.post(path, data=demand_form(title=""), headers=HX).status_code == 422
    for n in range(2):
        response = client.post(path, data=demand_form(idempotency_key=f"{n:032x}"), headers=HX)
        assert response.status_code == 204
    response = client.post(path, data=demand_form(idempotency_key="f" * 32), headers=HX)
    assert_flash_error(response, 429, "发布需求太频繁了，请稍后再发。")
    page = client.post(path, data=demand_form(idempotency_key="e" * 32))
    assert page.status_code == 429 and "发布需求太频繁了" in page.text
    assert count(Demand) == 2
    # Another buyer (same address, a different account) is not held back.
    second = logged_in(app, person(Role.BUYER))
    assert second.post(path, data=demand_form(), headers=HX).status_code == 204


def test_quote_submissions_are_rate_limited(limited_app):
    from webapp.models import Shop

    app = limited_app
    buyer, merchant = person(Role.BUYER), person(Role.MERCHANT)
    db.session.add(Shop(owner_id=merchant.id, handle="limited", name="限流店", district_code=HERE))
    db.session.commit()
    demands = [posting.post_demand(buyer, posting.DemandInput(
        title=f"需求 {i}", description="", category="produce", quantity=2, budget_fen=None,
        district_code=HERE, needed_by=utcnow() + timedelta(days=2),
        idempotency_key=f"{i:032x}")) for i in range(3)]
    client = logged_in(app, merchant)
    for demand in demands[:2]:
        response = client.post(url(app, "demands.quote", demand_id=demand.id),
                               data=quote_form(), headers=HX)
        assert response.status_code == 200, response.text
    response = client.post(url(app, "demands.quote", demand_id=demands[2].id),
                           data=quote_form(), headers=HX)
    assert_flash_error(response, 429, "报价提交太频繁了，请稍后再试。")
    assert count(Quote) == 2


@pytest.mark.parametrize("ahead", [timedelta(hours=5), timedelta(days=1), timedelta(days=3)],
                         ids=["5h", "1d", "3d"])
def test_the_quote_forms_defaults_are_accepted_as_they_are(app, client, login_as, market, post,
                                                           ahead):
    """A merchant who only types the item and the price keeps the default validity, whatever
    the buyer's deadline: the default never lands after it."""
    demand = post(market.buyer, needed_by=utcnow() + ahead)
    login_as(market.merchant_a)
    text = client.get(url(app, "demands.detail", demand_id=demand.id)).get_data(as_text=True)
    defaults = {name: input_value(text, name) for name in
                ("quantity", "delivery_fee", "earliest_delivery", "valid_until")}
    response = client.post(url(app, "demands.quote", demand_id=demand.id),
                           data={**defaults, "item_title": "妃子笑荔枝", "unit_price": "60",
                                 "product_id": "", "note": ""})
    assert response.status_code == 303, response.get_data(as_text=True)[-2000:]
    assert db.session.scalar(select(Quote)).valid_until <= demand.needed_by
