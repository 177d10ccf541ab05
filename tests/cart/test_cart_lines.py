"""A cart line as a phone shows it: the product's picture (or a placeholder), and − / + beside
the quantity, each a small form that posts to the cart's quantity route (or, at 1, removes)."""
from __future__ import annotations

import re

import pytest

from tests.support.helpers import HX, assert_flash_error, assert_fragment, assert_page, url
from tests.support.images import jpeg_bytes
from webapp.catalog.services import update_product
from webapp.extensions import db
from webapp.uploads import clean_image

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def with_photo(product):
    return update_product(product, title=product.title, description=product.description,
                          price_fen=product.price_fen, stock=product.stock,
                          stock_seen=product.stock, published=product.published,
                          photo=clean_image(jpeg_bytes()))


def line_of(text: str, item) -> str:
    return re.search(rf'<li class="cart-line[^"]*" id="cart-item-{item.id}">(.*?)</li>',
                     text, re.S).group(1)


def step_form(line: str, label: str) -> str:
    """The form holding the button named `label` (its aria-label)."""
    forms = re.findall(r"<form .*?</form>", line, re.S)
    found = [f for f in forms if f'aria-label="{label}"' in f]
    assert len(found) == 1, forms
    return found[0]


def test_each_line_shows_its_picture_or_a_placeholder(app, client, login_as, world,
                                                      make_product, add_to_cart):
    pictured = with_photo(world.product)
    plain = make_product(world.shop, title="无图商品", category="produce")
    lines = [add_to_cart(world.buyer, pictured, 1), add_to_cart(world.buyer, plain, 1)]
    login_as(world.buyer)
    text = assert_page(client.get(url(app, "cart.index")))
    photo = url(app, "shops.product_photo", product_id=pictured.id)
    img = re.search(r'<img class="thumb"[^>]*>', line_of(text, lines[0])).group(0)
    assert f'src="{photo}?v=' in img and 'alt=""' in img
    assert "<img" not in line_of(text, lines[1])
    assert re.search(r'class="thumb thumb-empty"[^>]*>生<', line_of(text, lines[1]))


def test_an_off_sale_line_shows_no_broken_picture(app, client, login_as, world, add_to_cart):
    item = add_to_cart(world.buyer, with_photo(world.product), 1)
    world.product.published = False
    db.session.commit()
    login_as(world.buyer)
    line = line_of(assert_page(client.get(url(app, "cart.index"))), item)
    assert "<img" not in line and "thumb-empty" in line


@pytest.mark.parametrize("quantity", [2, 3])
def test_minus_and_plus_post_one_less_and_one_more(app, client, login_as, world, add_to_cart,
                                                   quantity):
    item = add_to_cart(world.buyer, world.product, quantity)
    login_as(world.buyer)
    line = line_of(assert_page(client.get(url(app, "cart.index"))), item)
    title = world.product.title
    action = url(app, "cart.quantity", item_id=item.id)
    for label, value in ((f"减少 {title} 的数量", quantity - 1), (f"增加 {title} 的数量", quantity + 1)):
        form = step_form(line, label)
        assert f'action="{action}"' in form and f'hx-post="{action}"' in form
        assert f'hx-target="#cart-shop-{world.shop.id}"' in form
        assert f'name="quantity" value="{value}"' in form and 'name="csrf_token"' in form
    # What a tap sends (the button's name and value) is what the route takes, with or without htmx.
    text = assert_fragment(client.post(action, headers=HX, data={"quantity": quantity + 1}),
                           f"cart-shop-{world.shop.id}")
    assert 'name="quantity" value="%d"' % (quantity + 2) in line_of(text, item)


def test_minus_at_one_asks_and_removes(app, client, login_as, world, add_to_cart):
    item = add_to_cart(world.buyer, world.product, 1)
    login_as(world.buyer)
    line = line_of(assert_page(client.get(url(app, "cart.index"))), item)
    form = step_form(line, f"减少 {world.product.title} 的数量")
    assert f'action="{url(app, "cart.remove", item_id=item.id)}"' in form
    assert f'hx-confirm="从购物车移除“{world.product.title}”？"' in form


def test_plus_beyond_the_stock_says_how_many_are_left(app, client, login_as, world, add_to_cart):
    item = add_to_cart(world.buyer, world.product, world.product.stock)
    login_as(world.buyer)
    line = line_of(assert_page(client.get(url(app, "cart.index"))), item)
    form = step_form(line, f"增加 {world.product.title} 的数量")
    assert f'value="{world.product.stock + 1}"' in form  # not disabled: a tap says why
    response = client.post(url(app, "cart.quantity", item_id=item.id), headers=HX,
                           data={"quantity": world.product.stock + 1})
    assert_flash_error(response, 409, f"库存不足，仅剩 {world.product.stock} 件")
