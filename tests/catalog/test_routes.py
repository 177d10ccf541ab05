"""The merchant's products and the shop page buyers see, both ways, with bad prices and stock."""
import pytest
from sqlalchemy import func, select

from tests.support.factories import stock_of
from tests.support.helpers import (
    HX,
    assert_error_page,
    assert_flash_error,
    assert_fragment,
    assert_page,
    assert_redirect,
    input_value,
    url,
)
from webapp.extensions import db
from webapp.models import Product, ShopStatus

NEW_PRODUCT = {"title": "有机西兰花", "description": "当天采摘", "price": "8.80", "stock": "3",
               "published": "y"}


def count_products() -> int:
    return db.session.scalar(select(func.count(Product.id)))


def fresh(product: Product) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product.id)


def test_products_is_a_page_or_a_fragment(app, client, login_as, world, make_product):
    theirs = make_product(world.other_shop, title="别家的商品")
    login_as(world.merchant)
    path = url(app, "catalog.products")
    text = assert_page(client.get(path), "product-form")
    assert f'id="product-row-{world.product.id}"' in text
    assert theirs.title not in text
    assert_fragment(client.get(path, headers=HX), "product-editor")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_add_product(app, client, login_as, world, htmx):
    login_as(world.merchant)
    path = url(app, "catalog.products")
    response = client.post(path, headers=HX if htmx else {}, data=NEW_PRODUCT)
    if htmx:
        # The pane comes back blank for the next product, and the list is told to re-fetch.
        text = assert_fragment(response, "product-editor")
        assert "已添加商品：有机西兰花" in text and not input_value(text, "title")
        assert response.headers["HX-Trigger"] == "catalog:changed"
    else:
        assert_redirect(response, path)
        assert "已添加商品：有机西兰花" in client.get(path).text
    product = db.session.scalar(select(Product).where(Product.title == "有机西兰花"))
    assert (product.shop_id, product.price_fen, product.stock, product.published) == (
        world.shop.id, 880, 3, True)
    assert (product.category, product.low_stock_at, product.image) == ("other", 5, None)


@pytest.mark.parametrize(("text", "fen"), [("12", 1200), ("12.5", 1250), ("¥1,234.56", 123456),
                                           (" 0.01 ", 1)])
def test_prices_are_read_as_yuan(app, client, login_as, world, text, fen):
    login_as(world.merchant)
    client.post(url(app, "catalog.products"), data={**NEW_PRODUCT, "price": text})
    assert db.session.scalar(select(Product.price_fen).where(Product.title == "有机西兰花")) == fen


BAD_PRODUCT = [
    ("price", "-1", "请输入大于 0 的价格"),
    ("price", "abc", "请输入大于 0 的价格"),
    ("price", "0", "请输入大于 0 的价格"),
    ("price", "1.234", "请输入大于 0 的价格"),
    ("price", "NaN", "请输入大于 0 的价格"),
    ("price", "Infinity", "请输入大于 0 的价格"),
    ("price", "1000000.01", "请输入大于 0 的价格"),
    ("price", "", "请输入价格"),
    ("stock", "-3", "库存需为 0 到 1000000 的整数"),
    ("stock", "1000001", "库存需为 0 到 1000000 的整数"),
    ("stock", "", "请输入库存数量"),
    ("title", "", "请输入商品名称"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_PRODUCT,
                         ids=[f"{f}={v!r}" for f, v, _ in BAD_PRODUCT])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_add_product_with_bad_input_keeps_what_was_typed(app, client, login_as, world, field,
                                                         value, message, htmx):
    login_as(world.merchant)
    before = count_products()
    data = {**NEW_PRODUCT, field: value}
    response = client.post(url(app, "catalog.products"), headers=HX if htmx else {}, data=data)
    text = (assert_fragment if htmx else assert_page)(response, "product-editor", status=422)
    assert message in text
    for name in ("title", "price", "stock"):
        assert input_value(text, name) == data[name], name
    assert "当天采摘" in text
    assert count_products() == before


def test_edit_is_a_page_or_a_fragment_filled_in(app, client, login_as, world):
    login_as(world.merchant)
    path = url(app, "catalog.edit", product_id=world.product.id)
    text = assert_page(client.get(path), "product-form")
    assert input_value(text, "price") == "12.50"
    assert input_value(text, "title") == world.product.title
    text = assert_fragment(client.get(path, headers=HX), "product-editor")
    assert input_value(text, "stock") == "5"


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_edit_saves(app, client, login_as, world, htmx):
    login_as(world.merchant)
    path = url(app, "catalog.edit", product_id=world.product.id)
    response = client.post(path, headers=HX if htmx else {},
                           data={"title": "新名字", "price": "9.90", "stock": "7"})
    if htmx:
        # The pane stays on the product, saved; the list re-fetches itself.
        text = assert_fragment(response, "product-editor")
        assert "已保存：新名字" in text and input_value(text, "stock_seen") == "7"
        assert input_value(text, "price") == "9.90"
        assert response.headers["HX-Trigger"] == "catalog:changed"
    else:
        assert_redirect(response, path)
        assert "已保存：新名字" in client.get(path).text
    product = fresh(world.product)
    assert (product.title, product.price_fen, product.stock, product.published) == (
        "新名字", 990, 7, False)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("price", "-1", "请输入大于 0 的价格"), ("price", "abc", "请输入大于 0 的价格"),
    ("price", "0", "请输入大于 0 的价格"), ("price", "1.234", "请输入大于 0 的价格"),
    ("stock", "-3", "库存需为 0 到 1000000 的整数"),
])
def test_edit_with_bad_input_keeps_what_was_typed_and_changes_nothing(
        app, client, login_as, world, field, value, message):
    login_as(world.merchant)
    data = {"title": "改过的名字", "price": "9.90", "stock": "7", field: value}
    response = client.post(url(app, "catalog.edit", product_id=world.product.id), headers=HX,
                           data=data)
    text = assert_fragment(response, "product-editor", status=422)
    assert message in text
    assert input_value(text, field) == value
    assert input_value(text, "title") == "改过的名字"
    product = fresh(world.product)
    assert (product.title, product.price_fen, product.stock) == (world.product.title, 1250, 5)


def test_publish_toggles_and_returns_the_row(app, client, login_as, world):
    login_as(world.merchant)
    path = url(app, "catalog.publish", product_id=world.product.id)
    text = assert_fragment(client.post(path, headers=HX, data={"published": "0"}),
                           f"product-row-{world.product.id}")
    assert "已下架" in text and 'name="published" value="1"' in text
    assert fresh(world.product).published is False
    text = assert_fragment(client.post(path, headers=HX, data={"published": "1"}),
                           f"product-row-{world.product.id}")
    assert "在售" in text
    assert fresh(world.product).published is True


def test_publish_without_htmx_redirects_to_the_list(app, client, login_as, world):
    login_as(world.merchant)
    response = client.post(url(app, "catalog.publish", product_id=world.product.id),
                           data={"published": "0"})
    assert_redirect(response, url(app, "catalog.products"))
    assert fresh(world.product).published is False


def test_shop_page_is_a_page_or_a_fragment_of_published_products(app, client, world,
                                                                 make_product):
    hidden = make_product(world.shop, title="下架的商品", published=False)
    sold_out = make_product(world.shop, title="卖光了", stock=0)
    path = url(app, "shops.detail", handle=world.shop.handle)
    text = assert_page(client.get(path), f"shop-{world.shop.id}-products")
    assert world.shop.name in text and "实名认证" in text
    text = assert_fragment(client.get(path, headers=HX), f"shop-{world.shop.id}-products")
    assert world.product.title in text and hidden.title not in text
    product_page = url(app, "shops.product", product_id=world.product.id)
    assert f'class="button primary block" href="{product_page}"' in text
    assert sold_out.title in text and "已售罄" in text
    assert f'class="button primary block" href="{url(app, "shops.product", product_id=sold_out.id)}"' \
        not in text
    assert stock_of(world.product) == 5


def test_shop_handles_are_case_insensitive(app, client, world):
    assert_page(client.get(url(app, "shops.detail", handle=world.shop.handle.upper())),
                f"shop-{world.shop.id}-products")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_unknown_or_suspended_shop_is_404(app, client, world, htmx):
    world.other_shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    for handle in ("no-such-shop", world.other_shop.handle):
        response = client.get(url(app, "shops.detail", handle=handle), headers=HX if htmx else {})
        if htmx:
            assert_flash_error(response, 404, "找不到该页面或内容")
        else:
            assert_error_page(response, 404, "找不到该页面或内容")
