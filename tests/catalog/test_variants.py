"""Variants (规格) in the product manager and for buyers: the merchant adds, renames, reprices,
restocks and removes them (one ordered is retired, not deleted; a product keeps one); the
product's price "from" and total stock follow; a buyer of a product with a choice picks one,
and carts, orders and refusals name it."""
from __future__ import annotations

import re
import unicodedata

import pytest
from sqlalchemy import select

from tests.support.helpers import HX, assert_fragment, assert_redirect, url
from webapp.catalog import variants
from webapp.catalog.variants import clean_barcode
from webapp.extensions import db
from webapp.models import CartItem, OrderLine, Product, ProductVariant
from webapp.orders import checkout as order_checkout

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def live(product: Product) -> list[tuple[str, int, int]]:
    db.session.expire_all()
    return [(v.name, v.price_fen, v.stock) for v in variants.live_variants(product.id)]


def totals(product: Product) -> tuple[int, int, int]:
    db.session.expire_all()
    p = db.session.get(Product, product.id)
    return p.price_fen, p.stock, p.variant_count


@pytest.fixture
def rice(world):
    """The world's product (¥12.50, stock 5) named 500g, with a 1kg variant (¥23.00, stock 4)."""
    only = variants.only_variant(world.product.id)
    variants.update_variant(world.product, only.id, name="500g", price_fen=1250, stock=5,
                            stock_seen=5)
    variants.add_variant(world.product, name="1kg", price_fen=2300, stock=4, low_stock_at=4)
    return world.product


@pytest.mark.parametrize("code, ok", [
    ("6901234567892", True), ("690 1234-567892", True), ("96385074", True),
    ("6901234567893", False), ("96385075", False), ("1234567", False), ("12345abc", False),
    ("1234567890", True),  # a shop's own code of another length: taken as it is
    # Full-width digits (a Chinese input method's) are stored as the ASCII ones a scanner reads;
    # another script's digits are refused (no scan could find them).
    ("６９０１２３４５６７８９２", True), ("٦٩٠١٢٣٤٥٦٧٨٩٢", False),
])
def test_barcodes_are_digits_with_a_right_check_digit(code, ok):
    if ok:
        assert clean_barcode(code) == re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", code))
    else:
        with pytest.raises(ValueError):
            clean_barcode(code)


def test_a_new_product_has_one_unnamed_variant_with_its_figures(app, world):
    assert live(world.product) == [("", 1250, 5)]
    assert totals(world.product) == (1250, 5, 1)


def test_the_product_sums_up_its_variants(app, rice):
    assert live(rice) == [("500g", 1250, 5), ("1kg", 2300, 4)]
    assert totals(rice) == (1250, 9, 2)  # the lowest price, all the stock, two variants
    small = variants.live_variants(rice.id)[0]
    variants.update_variant(rice, small.id, name="半斤", price_fen=2500, stock=2, stock_seen=5)
    assert totals(rice) == (2300, 6, 2)
    with pytest.raises(variants.Rejected, match="已有同名规格"):
        variants.add_variant(rice, name="1KG", price_fen=100, stock=1)
    with pytest.raises(variants.Rejected, match="库存已变化"):
        variants.update_variant(rice, small.id, name="半斤", price_fen=2500, stock=0, stock_seen=5)


def test_a_barcode_is_unique_within_a_shop(app, world, rice, make_product):
    variants.add_variant(rice, name="2kg", price_fen=4000, stock=1, barcode="6901234567892")
    with pytest.raises(variants.Rejected, match="条码已被本店的「.*2kg」使用"):
        variants.add_variant(rice, name="5kg", price_fen=9000, stock=1, barcode="6901234567892")
    theirs = make_product(world.other_shop)
    variants.add_variant(theirs, name="x", price_fen=100, stock=1, barcode="6901234567892")


def test_removing_keeps_one_and_retires_what_was_ordered(app, world, rice):
    large = variants.live_variants(rice.id)[1]
    order_checkout.place_order(world.buyer, world.shop.id, variants={large.id: 1},
                               destination=order_checkout.Destination("张三", "13912345678", "x"),
                               window=_window(app),
                               payment_method="cod", idempotency_key="k" * 32)
    assert totals(rice) == (1250, 8, 2)
    assert variants.remove_variant(rice, large.id) is False  # ordered: retired
    assert db.session.get(ProductVariant, large.id).retired
    assert totals(rice) == (1250, 5, 1)  # its 3 left went with it
    line = db.session.scalar(select(OrderLine))
    assert (line.variant_id, line.variant_name, line.full_title) == (
        large.id, "1kg", f"{rice.title}（1kg）")
    small = variants.live_variants(rice.id)[0]
    with pytest.raises(Exception, match="至少保留一个规格"):
        variants.remove_variant(rice, small.id)
    fresh = variants.add_variant(rice, name="2kg", price_fen=4000, stock=1)
    assert variants.remove_variant(rice, fresh.id) is True  # never named: deleted
    assert db.session.get(ProductVariant, fresh.id) is None


def _window(app):
    from tests.support.factories import window_value
    return window_value(app)


def test_checkout_takes_each_variants_stock_and_names_it(app, world, rice, add_to_cart):
    from webapp.cart import services as cart

    small, large = variants.live_variants(rice.id)
    with pytest.raises(Exception, match="请先选择规格"):
        add_to_cart(world.buyer, rice, 1)
    cart.add(world.buyer, rice.id, 2, large.id)
    cart.add(world.buyer, rice.id, 1, small.id)
    with pytest.raises(Exception, match="库存不足，仅剩 4 件"):
        cart.add(world.buyer, rice.id, 3, large.id)  # 2 + 3 of the 4
    with pytest.raises(order_checkout.OutOfStock, match=f"「{rice.title} 1kg」库存不足，仅剩 4 件"):
        order_checkout.place_order(world.buyer, world.shop.id, variants={large.id: 5},
                                   destination=order_checkout.Destination("张", "13912345678", "x"),
                                   window=_window(app), payment_method="cod",
                                   idempotency_key="a" * 32)
    order = order_checkout.place_order(
        world.buyer, world.shop.id, destination=order_checkout.Destination("张", "13912345678", "x"),
        window=_window(app), payment_method="cod", idempotency_key="b" * 32)
    assert sorted((line.variant_name, line.quantity, line.unit_price_fen)
                  for line in order.lines) == [("1kg", 2, 2300), ("500g", 1, 1250)]
    assert live(rice) == [("500g", 1250, 4), ("1kg", 2300, 2)] and totals(rice)[1] == 6
    assert db.session.scalar(select(CartItem.id)) is None


def test_the_manager_adds_changes_and_removes_variants(app, client, login_as, world):
    login_as(world.merchant)
    product = world.product
    add = url(app, "catalog.add_variant", product_id=product.id)
    text = assert_fragment(client.post(add, headers=HX, data={
        "new-name": "1kg", "new-price": "23.00", "new-stock": "4", "new-low_stock_at": "4"}),
        "product-editor")
    assert "已添加规格：1kg" in text
    large = variants.live_variants(product.id)[1]
    # Two variants: each has its own form, the product's form no price or stock of its own.
    assert f'name="v{large.id}-price"' in text and 'name="price"' not in text
    assert re.search(r'class="pill pill-low">库存紧张', text)  # 4 at a level of 4
    response = client.post(add, headers=HX, data={"new-name": "", "new-price": "1",
                                                   "new-stock": "1"})
    assert "请填写规格名称" in assert_fragment(response, "product-editor", 422)
    change = url(app, "catalog.update_variant", product_id=product.id, variant_id=large.id)
    response = client.post(change, data={f"v{large.id}-name": "一公斤",
                                          f"v{large.id}-price": "22.00",
                                          f"v{large.id}-stock": "10",
                                          f"v{large.id}-stock_seen": "4",
                                          f"v{large.id}-barcode": "6901234567893"})
    assert "条码校验位不对" in response.text and response.status_code == 422
    response = client.post(change, data={f"v{large.id}-name": "一公斤",
                                          f"v{large.id}-price": "22.00",
                                          f"v{large.id}-stock": "10",
                                          f"v{large.id}-stock_seen": "4"})
    assert_redirect(response, url(app, "catalog.edit", product_id=product.id))
    assert live(product) == [("", 1250, 5), ("一公斤", 2200, 10)]
    remove = url(app, "catalog.remove_variant", product_id=product.id, variant_id=large.id)
    text = assert_fragment(client.post(remove, headers=HX), "product-editor")
    assert "已删除规格：一公斤" in text and 'name="price"' in text  # one variant again
    assert totals(product) == (1250, 5, 1)


def test_a_buyer_sees_the_choice_and_a_single_variant_looks_as_before(app, client, world, rice,
                                                                    make_product):
    plain = make_product(world.shop, title="单规格商品")
    text = client.get(url(app, "shops.product", product_id=plain.id)).text
    assert "variant-choice" not in text and "起" not in text
    text = client.get(url(app, "shops.product", product_id=rice.id)).text
    assert "¥12.50 起" in text and text.count('name="variant_id"') == 2
    assert "500g" in text and "1kg" in text
    shop = client.get(url(app, "shops.detail", handle=world.shop.handle)).text
    assert "¥12.50 起" in shop and "¥12.50</p>" in shop  # the plain one's card as before


def test_an_empty_barcode_is_no_barcode(app, client, login_as, world):
    """Variants left without a barcode never collide with each other (the form posts "")."""
    login_as(world.merchant)
    client.post(url(app, "catalog.edit", product_id=world.product.id), data={
        "title": world.product.title, "category": "other", "price": "12.50", "stock": "5",
        "stock_seen": "5", "barcode": "", "variant_name": "500g", "published": "y"})
    add = url(app, "catalog.add_variant", product_id=world.product.id)
    for name in ("1kg", "2kg"):
        client.post(add, data={"new-name": name, "new-price": "9", "new-stock": "1",
                               "new-barcode": ""})
    assert [v.barcode for v in variants.live_variants(world.product.id)] == [None] * 3
    assert [name for name, *_ in live(world.product)] == ["500g", "1kg", "2kg"]
