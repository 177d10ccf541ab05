"""A product that is not on sale (unpublished, or its shop suspended) answers exactly as a missing
one does wherever a buyer or a visitor asks about it: adding it to a cart, changing a cart line of
it, its page and photo (only its own merchant previews it). No title, no stock figure. A cart line
that went off sale is refused at checkout as "no longer on sale", still without a stock figure."""
from __future__ import annotations

import difflib
import itertools
import re

import pytest

from tests.support.database import app_with_tables
from tests.support.helpers import HX, checkout_data, input_value, url
from webapp.cart import services as cart
from webapp.extensions import db
from webapp.models import CartItem, Role, ShopStatus

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

MISSING = 10**6
STOCK = 7  # every product's stock: "7" must not show where a product is refused
OFF_SALE = ["unpublished", "suspended"]
QUANTITIES = ["1", "0", "abc", "50", None]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app and database for every case here (refused requests change nothing)."""
    yield from app_with_tables(upload_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def _kept():
    return {}


class Scene:
    pass


def _build(make_user, make_shop, make_product, make_address) -> Scene:
    s = Scene()
    s.owner, s.suspended_owner = make_user(Role.MERCHANT), make_user(Role.MERCHANT)
    s.shop = make_shop(s.owner)
    s.closed = make_shop(s.suspended_owner)
    s.buyer, s.other_merchant = make_user(Role.BUYER), make_user(Role.MERCHANT)
    s.address = make_address(s.buyer)
    title = iter(f"秘密商品{n}号" for n in itertools.count(1))
    s.products = {
        "unpublished": make_product(s.shop, title=next(title), stock=STOCK, published=False),
        "suspended": make_product(s.closed, title=next(title), stock=STOCK),
    }
    # Cart lines of products that were on sale when added, and went off sale since.
    s.lines = {"unpublished": make_product(s.shop, title=next(title), stock=STOCK),
               "suspended": make_product(s.closed, title=next(title), stock=STOCK)}
    for product in s.lines.values():
        cart.add(s.buyer, product.id, 5)
    s.lines["unpublished"].published = False
    s.closed.status = ShopStatus.SUSPENDED
    db.session.commit()
    s.titles = [p.title for p in [*s.products.values(), *s.lines.values()]]
    return s


@pytest.fixture
def scene(_kept, app, request):
    if "scene" not in _kept:
        _kept["scene"] = _build(*(request.getfixturevalue(name) for name in (
            "make_user", "make_shop", "make_product", "make_address")))
    yield _kept["scene"]
    db.session.rollback()


def _client(app, login_as, user):
    client = app.test_client()
    if user is not None:
        login_as(user, client)
    return client


def _normal(response) -> tuple[int, str | None, str]:
    """What a response tells: status, where it sends, body without per-request tokens."""
    text = response.get_data(as_text=True)
    text = re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", text)  # CSRF, signed with the time
    text = re.sub(r'(nonce=")[^"]*', r"\1", text)
    text = re.sub(r"/p/\d+", "/p/N", text)  # the page's own address (the language switch's next)
    return response.status_code, response.headers.get("Location"), text


def assert_same(answer, missing) -> None:
    """The answer and the missing product's are the same (the lines that differ, if not)."""
    got, expected = _normal(answer), _normal(missing)
    diff = "\n".join(difflib.unified_diff(expected[2].splitlines(), got[2].splitlines(),
                                         lineterm="", n=0))
    assert got[:2] == expected[:2] and got[2] == expected[2], diff


def _tells_nothing(scene, text: str) -> None:
    assert not any(title in text for title in scene.titles)
    assert "仅剩" not in text and "库存" not in text and f"{STOCK} 件" not in text


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("quantity", QUANTITIES, ids=str)
@pytest.mark.parametrize("kind", OFF_SALE)
def test_adding_a_product_not_on_sale_answers_as_a_missing_one(app, login_as, scene, kind,
                                                               quantity, htmx):
    client = _client(app, login_as, scene.buyer)
    headers = HX if htmx else {}
    extra = {} if quantity is None else {"quantity": quantity}
    missing = client.post(url(app, "cart.add"), data={"product_id": str(MISSING), **extra},
                          headers=headers)
    answer = client.post(url(app, "cart.add"),
                         data={"product_id": str(scene.products[kind].id), **extra},
                         headers=headers)
    assert_same(answer, missing)
    _tells_nothing(scene, answer.get_data(as_text=True))


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("quantity", ["3", "50", "abc", "0"])
@pytest.mark.parametrize("kind", OFF_SALE)
def test_changing_a_line_gone_off_sale_is_refused_as_a_missing_product(app, login_as, scene,
                                                                      kind, quantity, htmx):
    client = _client(app, login_as, scene.buyer)
    item = db.session.query(CartItem).filter_by(product_id=scene.lines[kind].id).one()
    missing = client.post(url(app, "cart.add"), data={"product_id": str(MISSING), "quantity": "1"},
                          headers=HX if htmx else {})
    answer = client.post(url(app, "cart.quantity", item_id=item.id), data={"quantity": quantity},
                         headers=HX if htmx else {})
    assert _normal(answer)[:2] == _normal(missing)[:2] == (404, None)
    assert "该商品已下架或不存在" in answer.get_data(as_text=True)
    _tells_nothing(scene, answer.get_data(as_text=True))
    db.session.refresh(item)
    assert item.quantity == 5


VIEWERS = ["anonymous", "buyer", "other_merchant"]


@pytest.mark.parametrize("endpoint", ["shops.product", "shops.product_photo"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("kind", OFF_SALE)
def test_a_product_page_not_on_sale_is_a_missing_one(app, login_as, scene, kind, viewer, htmx,
                                                     endpoint):
    client = _client(app, login_as, getattr(scene, viewer, None))
    headers = HX if htmx else {}
    missing = client.get(url(app, endpoint, product_id=MISSING), headers=headers)
    answer = client.get(url(app, endpoint, product_id=scene.products[kind].id), headers=headers)
    assert_same(answer, missing)
    assert answer.status_code == 404
    _tells_nothing(scene, answer.get_data(as_text=True))


@pytest.mark.parametrize("kind, owner", [("unpublished", "owner"), ("suspended", "suspended_owner")])
def test_its_own_merchant_previews_a_product_not_on_sale(app, login_as, scene, kind, owner):
    client = _client(app, login_as, getattr(scene, owner))
    response = client.get(url(app, "shops.product", product_id=scene.products[kind].id))
    assert response.status_code == 200 and scene.products[kind].title in response.text


def test_checkout_of_a_line_gone_off_sale_says_so_without_a_stock_figure(app, login_as, scene):
    client = _client(app, login_as, scene.buyer)
    page = client.get(url(app, "cart.index")).get_data(as_text=True)
    assert page.count("该商品已下架，请移除") == 2 and "仅剩" not in page
    path = url(app, "orders.checkout", shop_id=scene.shop.id)
    shown = client.get(path).get_data(as_text=True)
    assert "该商品已下架，请移除" in shown and "仅剩" not in shown
    for headers in ({}, HX):
        # What the page showed goes back with the form (prices seen), if the page carries it.
        seen = {name: value for name in ("shown",) if (value := input_value(shown, name))}
        response = client.post(path, data=checkout_data(app, scene.address, scene.shop, **seen),
                               headers=headers)
        text = response.get_data(as_text=True)
        assert response.status_code == 409, text[:400]
        assert f"「{scene.lines['unpublished'].title}」已下架" in text
        assert "仅剩" not in text and "库存" not in text
