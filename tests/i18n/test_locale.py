"""The page's language: the switch's cookie, else Accept-Language, else Chinese."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Demand, Role, utcnow
from webapp.web import local_time

ENGLISH_HOME = ("Verified local merchants, delivered to your door", "Log in", "Sign up", "New arrivals")
CHINESE_HOME = ("实名认证商家，同城送到家", "新品上架", "免费注册", "跳到正文")


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_no_accept_language_gets_chinese(client):
    response = client.get("/")
    assert html_lang(response) == "zh-CN"
    page = response.get_data(as_text=True)
    assert all(text in page for text in CHINESE_HOME)
    assert "Accept-Language" in response.headers["Vary"] and "Cookie" in response.headers["Vary"]


@pytest.mark.parametrize("header, lang", [
    ("en", "en"), ("en-US,en;q=0.9", "en"), ("en-GB;q=0.8, fr", "en"),
    ("zh-CN", "zh-CN"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("zh", "zh-CN"), ("zh-TW", "zh-CN"),
    ("fr", "zh-CN"), ("*", "zh-CN"),
])
def test_accept_language(client, header, lang):
    response = client.get("/", headers={"Accept-Language": header})
    assert html_lang(response) == lang
    page = response.get_data(as_text=True)
    expected, absent = (ENGLISH_HOME, CHINESE_HOME) if lang == "en" else (CHINESE_HOME, ENGLISH_HOME[:1])
    assert all(text in page for text in expected)
    assert not any(text in page for text in absent)


def test_switch_sets_a_cookie_for_a_year_and_goes_back(client):
    response = client.post("/lang", data={"code": "en", "next": "/search/"},
                           headers={"Referer": "http://localhost/search/?q=%E6%A9%99"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/search/?q=%E6%A9%99"  # the query from the Referer
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;") and "Max-Age=31536000" in cookie and "HttpOnly" in cookie

    page = client.get("/", headers={"Accept-Language": "zh-CN"})  # the cookie wins
    assert html_lang(page) == "en"
    text = page.get_data(as_text=True)
    assert all(s in text for s in ENGLISH_HOME)
    assert not any(s in text for s in CHINESE_HOME)
    # The switch now offers the way back, in its own language.
    assert 'name="code" value="zh_CN"' in text and ">中文</button>" in text

    client.post("/lang", data={"code": "zh_CN", "next": "/"})
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "zh-CN"


def test_the_switch_is_on_every_page(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'id="lang-switch"' in page and 'action="/lang"' in page and ">English</button>" in page
    assert 'name="code" value="en"' in page
    assert 'name="next" value="/auth/login"' in page
    # Only the path goes into the page, never what a link put in the query.
    page = client.get("/auth/login?next=https://evil.example/").get_data(as_text=True)
    assert 'name="next" value="/auth/login"' in page


def test_a_referrer_elsewhere_is_not_followed(client):
    response = client.post("/lang", data={"code": "en", "next": "/search/"},
                           headers={"Referer": "https://evil.example/search/?q=1"})
    assert response.headers["Location"] == "/search/"


@pytest.mark.parametrize("code", ["fr", "zh", "EN", "en_US", "..", "zh_TW"])
def test_unknown_language_is_refused(client, code):
    response = client.post("/lang", data={"code": code, "next": "/"})
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "javascript:alert(1)", ""])
def test_unsafe_next_goes_home(client, target):
    response = client.post("/lang", data={"code": "en", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert response.headers["Set-Cookie"].startswith("lang=en;")


def test_switch_is_post_only(client):
    assert client.get("/lang?code=en").status_code == 405
    assert client.post("/lang", data={"next": "/"}).status_code == 404  # no code


def test_htmx_gets_hx_redirect(client):
    response = client.post("/lang", data={"code": "en", "next": "/cart/"}, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"] == "/cart/"
    assert response.headers["Set-Cookie"].startswith("lang=en;")


def test_a_forged_cookie_value_is_ignored(client):
    client.set_cookie("lang", "xx")
    assert html_lang(client.get("/")) == "zh-CN"
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "en"


@pytest.mark.parametrize("headers, allowed", [
    ({}, False),  # cannot say where it comes from
    ({"Sec-Fetch-Site": "same-origin"}, True),
    ({"Sec-Fetch-Site": "cross-site"}, False),
    ({"Sec-Fetch-Site": "same-site"}, False),  # a sibling subdomain is not this site
    ({"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"}, False),  # the first wins
    ({"Origin": "http://localhost"}, True),  # a browser without Sec-Fetch-Site
    ({"Origin": "https://localhost"}, False),
    ({"Origin": "https://evil.example"}, False),
    ({"Origin": "null"}, False),
])
def test_switch_comes_from_our_own_pages(app, headers, allowed):
    """The switch needs no form token (anonymous visitors' pages carry none); with CSRF
    protection on, the browser's Sec-Fetch-Site or Origin must say it comes from this site."""
    app.config["WTF_CSRF_ENABLED"] = True
    response = app.test_client().post("/lang", data={"code": "en", "next": "/"}, headers=headers)
    if allowed:
        assert response.status_code == 303 and response.headers["Set-Cookie"].startswith("lang=en;")
    else:
        assert response.status_code == 400
        assert "lang=" not in response.headers.get("Set-Cookie", "")
        assert "页面已过期" in response.get_data(as_text=True)


def test_pages_in_english(client, make_shop, make_product, login_as, make_user):
    client.set_cookie("lang", "en")
    shop = make_shop(name="Fruit stall")
    product = make_product(shop, title="Navel oranges", price_fen=1250, stock=2, published=True)
    login = client.get("/auth/login").get_data(as_text=True)
    assert "Log in to Xinji" in login and "Email or mobile number" in login and "登录信集" not in login
    register = client.get("/auth/register").get_data(as_text=True)
    assert "Create an account" in register and "Buyer" in register and "买家" not in register
    # WTForms' and our own validator messages, in English.
    errors = client.post("/auth/register", data={"role": "buyer", "display_name": "A",
                                                 "email": "nope", "password": "short", "confirm": "x"})
    text = errors.get_data(as_text=True)
    assert "That email address is not valid" in text and "8 to 128 characters" in text
    assert "邮箱格式不正确" not in text
    page = client.get(f"/p/{product.id}").get_data(as_text=True)
    assert "Only 2 left" in page or "2 in stock" in page
    assert "Add to cart" in page and "加入购物车" not in page
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "could not be found" in missing.get_data(as_text=True)
    buyer = make_user(Role.BUYER)
    login_as(buyer)
    orders = client.get("/orders/").get_data(as_text=True)
    assert "My orders" in orders and "No orders yet." in orders and "还没有订单" not in orders
    assert client.get("/cart/").get_data(as_text=True).count("Your cart is empty.") == 1


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_money_is_yuan_with_two_decimals_in_both_languages(client, make_shop, make_product, lang):
    client.set_cookie("lang", lang)
    shop = make_shop()
    make_product(shop, price_fen=1250, published=True)
    page = client.get(f"/s/{shop.handle}").get_data(as_text=True)
    assert "¥12.50" in page


@pytest.mark.parametrize("lang, status, tab", [("en", "Awaiting shop", "All"),
                                              ("zh_CN", "待接单", "全部")])
def test_order_status_labels_follow_the_language(client, login_as, world, place, lang, status, tab):
    order = place(world.buyer, world.product)
    login_as(world.buyer)
    client.set_cookie("lang", lang)
    page = client.get("/orders/").get_data(as_text=True)
    assert re.search(rf'class="pill pill-placed">{status}<', page)
    assert re.search(rf'id="tab-all"[^>]*>{tab}', page)
    assert f'id="buyer-order-{order.id}"' in page
    assert "¥" in page and re.search(r"¥\d+\.\d\d", page)


def test_checkout_in_english(client, login_as, world, make_address, add_to_cart):
    make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 2)
    login_as(world.buyer)
    client.set_cookie("lang", "en")
    page = client.get(f"/orders/checkout/{world.shop.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for english in ("Confirm order", "Delivery address", "Delivery time", "Payment method",
                    "Cash on delivery", "Place order ¥"):
        assert english in text
    assert re.search(r">(Today|Tomorrow|Day after tomorrow) \d+/\d+ \d\d:00–\d\d:00<", text)
    assert "确认订单" not in text and "货到付款" not in text and "月" not in text
    # An invalid post comes back with English messages.
    again = client.post(f"/orders/checkout/{world.shop.id}", data={}).get_data(as_text=True)
    assert "Choose a delivery address" in again or "Choose a delivery time" in again


@pytest.mark.parametrize("cookie, shown", [
    (None, "2026-11-25 20:30"),                 # Asia/Shanghai, the default
    ("Europe/London", "2026-11-25 12:30"),
    ("America/New_York", "2026-11-25 07:30"),
    ("Mars/Olympus_Mons", "2026-11-25 20:30"),  # not a zone: the default
    ("../../etc/passwd", "2026-11-25 20:30"),
])
def test_times_are_shown_in_the_browsers_time_zone(app, cookie, shown):
    headers = {"Cookie": f"tz={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers):
        assert local_time(datetime(2026, 11, 25, 12, 30)) == shown


def test_a_time_typed_in_a_form_is_read_in_the_same_zone(client, login_as, make_user):
    """A demand's deadline typed by a buyer in London is stored as London time in UTC, and
    shown back to them as they typed it."""
    buyer = make_user(Role.BUYER)
    login_as(buyer)
    client.set_cookie("tz", "Europe/London")
    typed = (datetime.now() + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    response = client.post("/demands/new", data={
        "title": "Two boxes of oranges", "category": "produce", "quantity": "2", "budget": "120",
        "province": "11", "city": "1101", "district": "110105",
        "needed_by": typed.strftime("%Y-%m-%dT%H:%M"), "description": "",
        "idempotency_key": "d" * 32})
    assert response.status_code == 303, re.findall(r'class="error"[^>]*>([^<]+)',
                                                   response.get_data(as_text=True))
    demand = db.session.scalar(select(Demand))
    expected = typed.replace(tzinfo=ZoneInfo("Europe/London")).astimezone(
        ZoneInfo("UTC")).replace(tzinfo=None)
    assert demand.needed_by == expected and demand.needed_by > utcnow()
    page = client.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert typed.strftime("%H:%M") in page
