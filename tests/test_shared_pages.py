"""Anonymous visitors' catalog pages are kept for a moment and shared (webapp/shared_pages.py):
kept only when nothing in them belongs to anyone, told apart by everything they depend on, and
never older than SHARED_PAGE_SECONDS, or than this process's last write."""
from __future__ import annotations

import sqlite3
import time

import pytest

from tests.support.database import KeptLonger, app_with_tables
from tests.support.helpers import HX, url
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.shared_pages import FLAG, SharedPages

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


@pytest.fixture
def app(tmp_path):
    # Expiry itself is tested below with a file database and a short time.
    yield from app_with_tables(KeptLonger, upload_dir=tmp_path / "uploads")


@pytest.fixture
def shop(world):
    return world.shop


def shop_page(client, app, shop, **headers):
    # The path from the handle before counting: reading `shop.handle` after a commit is a query.
    path = url(app, "shops.detail", handle=shop if isinstance(shop, str) else shop.handle)
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response


def test_a_second_anonymous_visit_comes_from_memory(app, client, shop, world, statements):
    first = shop_page(client, app, shop)
    assert world.product.title in first.text
    # Nothing of a visitor's own: no session cookie, no form token, no marker header.
    assert "Set-Cookie" not in first.headers and "X-CSRFToken" not in first.text
    before = len(statements)
    again = shop_page(client, app, shop)
    assert len(statements) == before  # not a single query
    assert again.data == first.data and again.headers == first.headers
    assert len(app.extensions["shared_pages"].pages) == 1


def test_the_language_and_htmx_make_different_pages(app, client, shop):
    zh = shop_page(client, app, shop, **{"Accept-Language": "zh-CN"}).text
    en = shop_page(client, app, shop, **{"Accept-Language": "en"}).text
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    client.set_cookie("lang", "en")
    assert '<html lang="en">' in shop_page(client, app, shop, **{"Accept-Language": "zh-CN"}).text
    client.delete_cookie("lang")
    fragment = shop_page(client, app, shop, **HX).text
    assert "<html" not in fragment
    assert "<html" in shop_page(client, app, shop).text  # no Accept-Language: one more page
    assert len(app.extensions["shared_pages"].pages) == 5


def test_a_write_in_this_process_shows_at_once(app, client, shop, world):
    assert "旧名字" not in shop_page(client, app, shop).text
    world.product.title = "旧名字"
    db.session.commit()
    assert "旧名字" in shop_page(client, app, shop).text


def test_a_read_only_commit_keeps_the_pages(app, client, shop, statements):
    handle = shop.handle
    shop_page(client, app, handle)
    db.session.commit()  # nothing written
    before = len(statements)
    shop_page(client, app, handle)
    assert len(statements) == before


def test_signed_in_visitors_get_their_own_page_and_it_is_not_kept(app, client, shop, world,
                                                                  login_as, statements):
    shop_page(client, app, shop)  # kept for anonymous visitors
    login_as(world.buyer)
    before = len(statements)
    mine = shop_page(client, app, shop)
    assert len(statements) > before
    assert f'data-user="{world.buyer.id}"' in mine.text and "X-CSRFToken" in mine.text
    assert len(app.extensions["shared_pages"].pages) == 1  # only the anonymous one


def test_an_anonymous_session_is_never_served_a_kept_page(app, client, shop, statements):
    shop_page(client, app, shop)
    client.get(url(app, "auth.login"))  # a session with a form token, as before any login
    before = len(statements)
    page = shop_page(client, app, shop)
    assert len(statements) > before and "<html" in page.text


def test_pages_that_are_not_shared_are_not_kept(app, client, world):
    assert client.get(url(app, "shops.product", product_id=world.product.id)).status_code == 200
    assert client.get(url(app, "auth.login")).status_code == 200
    assert client.get("/no-such-page").status_code == 404
    assert len(app.extensions["shared_pages"].pages) == 0


def test_a_write_elsewhere_shows_within_the_kept_time(tmp_path):
    """Another process's write reaches this one's kept pages when their time is up."""
    path = tmp_path / "shared.db"
    config = type("FileConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SHARED_PAGE_SECONDS": 0.5})
    generator = app_with_tables(config)
    app = next(generator)
    try:
        from webapp.models import Product, Role, Shop, User

        owner = User(role=Role.MERCHANT, email="m@example.com", display_name="店主",
                     password_hash="x")
        db.session.add(owner)
        db.session.flush()
        shop = Shop(owner_id=owner.id, handle="elsewhere", name="别处的店")
        db.session.add(shop)
        db.session.flush()
        db.session.add(Product(shop_id=shop.id, title="原来的名字", price_fen=100, stock=3))
        db.session.commit()
        client = app.test_client()
        assert "原来的名字" in shop_page(client, app, shop).text
        kept_at = time.monotonic()
        with sqlite3.connect(path) as other:  # not this process's engine: no event here
            other.execute("UPDATE product SET title = '别处改的名字'")
        if time.monotonic() - kept_at < 0.4:
            assert "原来的名字" in shop_page(client, app, shop).text  # still the kept page
        time.sleep(0.6)
        assert "别处改的名字" in shop_page(client, app, shop).text
    finally:
        generator.close()


def test_writes_to_what_no_shared_page_shows_keep_the_pages(app, client, shop, world,
                                                           statements):
    from webapp.models import CartItem

    handle = shop.handle
    shop_page(client, app, handle)
    db.session.add(CartItem(user_id=world.buyer.id, product_id=world.product.id, quantity=1))
    db.session.commit()  # a cart: never on a shared page
    before = len(statements)
    shop_page(client, app, handle)
    assert len(statements) == before
    world.product.stock = 1  # a product: on the shop page
    db.session.commit()
    shop_page(client, app, handle)
    assert len(statements) > before


def test_a_proxy_header_is_part_of_the_key(app, client, shop):
    shop_page(client, app, shop)
    shop_page(client, app, shop, **{"X-Forwarded-Proto": "https"})
    shop_page(client, app, shop, **{"X-Forwarded-For": "203.0.113.9"})  # not in the key
    assert len(app.extensions["shared_pages"].pages) == 2


# The middleware on its own, around small WSGI apps.

def wsgi_app(status="200 OK", headers=(), calls=None, shared=True):
    def app(environ, start_response):
        calls.append(environ["PATH_INFO"])
        environ[FLAG] = shared  # what @shared says for a visitor who is not signed in
        start_response(status, [("Content-Type", "text/plain"), *headers])
        return [b"page ", environ["PATH_INFO"].encode()]

    return app


def get(store, path="/", query="", cookie=""):
    answer = {}
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
               "HTTP_HOST": "shop.example", "wsgi.url_scheme": "https", "SCRIPT_NAME": ""}
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    body = b"".join(store(environ, lambda status, headers, exc=None: answer.update(
        status=status, headers=headers)))
    return answer["status"], answer["headers"], body


@pytest.mark.parametrize("status, headers, shared", [
    ("200 OK", [("Set-Cookie", "session=abc; HttpOnly")], True),
    ("200 OK", [("X-RateLimit-Remaining", "9")], True),
    ("404 NOT FOUND", [], True),
    ("200 OK", [], False),
])
def test_only_shared_200s_for_no_one_in_particular_are_kept(status, headers, shared):
    calls = []
    store = SharedPages(wsgi_app(status, headers, calls, shared), 60,
                        ["session", "remember_token"])
    for _ in range(3):
        got_status, got_headers, body = get(store)
        assert got_status == status and body == b"page /"
    assert calls == ["/", "/", "/"] and not store.pages


def test_a_session_or_remember_cookie_goes_past_the_store():
    calls = []
    store = SharedPages(wsgi_app(calls=calls), 60, ["session", "remember_token"])
    get(store)
    get(store)
    assert calls == ["/"]
    get(store, cookie="session=abc")
    get(store, cookie="lang=en; remember_token=1|x")
    assert calls == ["/", "/", "/"]
    get(store, cookie="lang=en")  # a different page (the key holds the cookies), kept
    get(store, cookie="lang=en")
    assert calls == ["/", "/", "/", "/"]


def test_the_store_keeps_a_bounded_number_of_pages():
    calls = []
    store = SharedPages(wsgi_app(calls=calls), 60, ["session"], entries=3)
    for n in range(10):
        get(store, query=f"q={n}")
    assert len(store.pages) == 3
    get(store, query="q=9")
    assert len(calls) == 10  # the newest is still kept
    get(store, query="q=0")
    assert len(calls) == 11  # the oldest went first


def test_kept_pages_expire():
    calls = []
    store = SharedPages(wsgi_app(calls=calls), 0.05, ["session"])
    get(store)
    get(store)
    time.sleep(0.1)
    get(store)
    assert len(calls) == 2
