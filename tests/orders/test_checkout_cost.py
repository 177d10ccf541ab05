"""What one checkout costs the database (its statements are most of what a checkout costs beyond
the bare stock decrement: bench/test_checkout.py), and that the leaner path stores, refuses and
answers a repeated key exactly as before."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.support.factories import stock_of
from tests.support.helpers import HX, assert_page, assert_redirect, checkout_data, url
from webapp.extensions import db
from webapp.models import CartItem, EventKind, Order, OrderEvent, OrderLine, Status

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE)\s+"?(\w+)"?')


def shape(statements: list[str]) -> list[tuple[str, str]]:
    """(verb, first table) of each statement (the `statements` fixture records them)."""
    return [(statement.split()[0].upper(), _TABLE.search(statement)[1]) for statement in statements]


def posted(app, client, login_as, world, address, statements=None):
    """The buyer's checkout posted as the page's form (no htmx), on a fresh session as a
    request of its own would be; `statements` counts from the post on."""
    login_as(world.buyer)
    data = checkout_data(app, address)
    db.session.remove()
    if statements is not None:
        statements.clear()
    return data, client.post(url(app, "orders.checkout", shop_id=world.shop.id), data=data)


# The request's reads (the signed-in buyer; the open shop with the buyer's lines there, their
# products and variants and the order the form's key placed, if any, in one statement; the
# address book), one conditional UPDATE per line (of its variant) and one per product (its
# total), the order, its lines (one executemany), its event, the cart
# lines ordered, and the shop's notification (webapp/notifications/hub.py: its INSERT names the
# owner by a subquery, and one SELECT reads the owner's settings and browsers). Nothing is read
# again after the commit.
READS = [("SELECT", "user"), ("SELECT", "shop"), ("SELECT", "address")]
WRITES = [("INSERT", "order"), ("INSERT", "order_line"), ("INSERT", "order_event"),
          ("INSERT", "notification"), ("SELECT", "notification"), ("DELETE", "cart_item")]


@pytest.mark.parametrize("lines", [1, 2])
def test_a_checkout_is_its_reads_one_update_per_line_and_four_writes(
        app, client, login_as, world, make_address, make_product, add_to_cart, statements,
        lines):
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 2)
    if lines == 2:
        add_to_cart(world.buyer, make_product(world.shop, title="香梨", price_fen=990), 1)
    _, response = posted(app, client, login_as, world, address, statements)
    assert response.status_code == 303, response.text[:300]
    assert shape(statements) == READS + [("UPDATE", "product_variant")] * lines + \
        [("UPDATE", "product")] * lines + WRITES


def test_a_refused_checkout_writes_nothing(app, client, login_as, world, make_address,
                                           add_to_cart, place, statements):
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 3)
    place(world.other_buyer, world.product, quantity=4)  # one left: the cart shows it short
    data, response = posted(app, client, login_as, world, address, statements)
    text = assert_page(response, "checkout-form", status=409)
    assert "库存不足，仅剩 1 件" in text
    # The reads, the key (has it placed an order already?), the top bar's cart count.
    assert shape(statements) == READS + [("SELECT", "order"), ("SELECT", "cart_item")]
    assert stock_of(world.product) == 1 and db.session.scalar(select(func.count(Order.id))) == 1


def test_the_order_written_in_core_is_whole(app, client, login_as, world, make_address,
                                            make_product, add_to_cart):
    world.shop.delivery_fee_fen = 500
    db.session.commit()
    address = make_address(world.buyer)
    pear = make_product(world.shop, title="香梨", price_fen=990, stock=9)
    add_to_cart(world.buyer, world.product, 2)
    add_to_cart(world.buyer, pear, 3)
    data, response = posted(app, client, login_as, world, address)
    order = db.session.scalar(select(Order))
    assert_redirect(response, url(app, "orders.detail", order_id=order.id))
    assert (order.buyer_id, order.shop_id, order.status, order.payment_status,
            order.payment_method, order.quote_id, order.paid_fen) == (
        world.buyer.id, world.shop.id, Status.PLACED, "unpaid", "alipay", None, None)
    assert (order.items_fen, order.delivery_fee_fen, order.total_fen) == (
        2 * 1250 + 3 * 990, 500, 2 * 1250 + 3 * 990 + 500)
    assert (order.recipient_name, order.recipient_mobile, order.note, order.idempotency_key,
            order.district_code) == ("张三", "13912345678", "放门口", data["idempotency_key"],
                                     "110105")
    assert order.window_start < order.window_end
    assert abs((order.updated_at - order.created_at).total_seconds()) < 1
    lines = db.session.scalars(select(OrderLine).order_by(OrderLine.id)).all()
    assert [(line.product_id, line.title, line.unit_price_fen, line.quantity, line.inspection,
             line.reject_reason, line.reject_note) for line in lines] == [
        (world.product.id, world.product.title, 1250, 2, None, "", ""),
        (pear.id, "香梨", 990, 3, None, "", "")]
    [placed] = db.session.scalars(select(OrderEvent)).all()
    assert (placed.order_id, placed.actor_id, placed.kind, placed.params, placed.from_status,
            placed.to_status, placed.action) == (order.id, world.buyer.id, EventKind.PLACED, {},
                                                 None, Status.PLACED, None)
    assert placed.at is not None
    assert db.session.scalar(select(func.count(CartItem.id))) == 0


def test_a_used_key_with_the_same_cart_again_answers_the_first_order(
        app, client, login_as, world, make_address, add_to_cart):
    """The key is looked up only when an order is refused: a cart filled again exactly as the
    page showed it goes as far as the INSERT, which the key's uniqueness refuses; the first
    order is the answer and the second's stock goes back."""
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 2)
    data, first = posted(app, client, login_as, world, address)
    order_id = db.session.scalar(select(Order.id))
    assert_redirect(first, url(app, "orders.detail", order_id=order_id))
    add_to_cart(world.buyer, world.product, 2)
    again = client.post(url(app, "orders.checkout", shop_id=world.shop.id), data=data)
    assert_redirect(again, url(app, "orders.detail", order_id=order_id))
    assert db.session.scalar(select(func.count(Order.id))) == 1 and stock_of(world.product) == 3
    assert db.session.scalar(select(CartItem.quantity)) == 2  # the cart filled again is kept


def test_a_refusal_for_stock_from_the_checkout_form_is_two_reads(
        app, client, login_as, world, make_address, add_to_cart, place, statements):
    """htmx's post from the form on the page, refused for stock as the cart is read: the buyer,
    then the shop with the cart, its products and the key's order (none); no form, no address
    book, nothing written (tests/orders/test_brief_refusal.py has what it answers)."""
    address = make_address(world.buyer)
    add_to_cart(world.buyer, world.product, 3)
    place(world.other_buyer, world.product, quantity=4)
    login_as(world.buyer)
    data = checkout_data(app, address)
    db.session.remove()
    statements.clear()
    response = client.post(url(app, "orders.checkout", shop_id=world.shop.id), data=data,
                           headers={**HX, "HX-Target": "checkout-form"})
    assert response.status_code == 409 and response.headers["HX-Reswap"] == "none"
    assert f"「{world.product.title}」库存不足，仅剩 1 件" in response.text
    assert shape(statements) == [("SELECT", "user"), ("SELECT", "shop")]
    assert stock_of(world.product) == 1 and db.session.scalar(select(func.count(Order.id))) == 1
