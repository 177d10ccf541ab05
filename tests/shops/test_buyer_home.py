"""The home page as a signed-in buyer sees it: their open orders where a visitor sees the sign-up
banner, the shops nearby right after; the banner stays for visitors, whose page is shared."""
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.support.helpers import assert_page, url
from tests.support.orders import two_line_order
from webapp.extensions import db
from webapp.models import Role, Status

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def home(app, client) -> str:
    return assert_page(client.get(url(app, "shops.index")))


def order_ids(text: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="home-order-(\d+)"', text)]


def test_a_visitor_sees_the_sign_up_banner_and_no_orders(app, client, world):
    text = home(app, client)
    assert 'class="hero"' in text and url(app, "auth.register") in text
    assert 'id="home-orders"' not in text


def test_a_buyer_sees_their_open_orders_instead_of_the_banner(app, client, login_as, world,
                                                            advance, make_address):
    make_address(world.buyer, is_default=True)
    placed = advance(Status.PLACED)
    delivering = advance(Status.DELIVERING)
    dispatched = advance(Status.DISPATCHED)
    login_as(world.buyer)
    text = home(app, client)
    assert 'class="hero"' not in text and "免费注册" not in text
    section = text[text.index('id="home-orders"'):]
    # What is on its way comes first (even before a newer one the courier has yet to pick up),
    # then what waits for the shop.
    assert order_ids(section) == [delivering.id, dispatched.id, placed.id]
    for order in (delivering, placed):
        assert f'href="{url(app, "orders.detail", order_id=order.id)}"' in section
    assert "配送中" in section and "待接单" in section and world.product.title in section
    assert url(app, "orders.index") in section  # every order, one tap away
    # The orders, then the shops nearby, before what is new.
    assert text.index('id="home-orders"') < text.index('id="nearby-shops"') \
        < text.index('id="new-products"')


def test_at_most_three_orders_open_ones_before_finished(app, client, login_as, world, advance):
    done = advance(Status.COMPLETED)
    placed = [advance(Status.PLACED) for _ in range(3)]
    arrived = advance(Status.ARRIVED)
    login_as(world.buyer)
    assert order_ids(home(app, client)) == [arrived.id, placed[2].id, placed[1].id]
    assert done.id not in order_ids(home(app, client))


def test_finished_orders_fill_in_when_nothing_is_open(app, client, login_as, world, advance):
    done = advance(Status.COMPLETED)
    login_as(world.buyer)
    text = home(app, client)
    assert order_ids(text) == [done.id] and "已完成" in text


def test_a_buyer_without_orders_sees_no_banner_and_no_empty_box(app, client, login_as, world):
    login_as(world.buyer)
    text = home(app, client)
    assert 'class="hero"' not in text and 'id="home-orders"' not in text


@pytest.mark.parametrize("who", [Role.MERCHANT, Role.COURIER])
def test_other_signed_in_people_see_no_banner_either(app, client, login_as, world, who):
    login_as({Role.MERCHANT: world.merchant, Role.COURIER: world.courier}[who])
    text = home(app, client)
    assert 'class="hero"' not in text and 'id="home-orders"' not in text


def test_the_shared_visitor_page_never_reaches_a_buyer(app, client, login_as, world, advance):
    order = advance(Status.PLACED)
    visitor = home(app, app.test_client())
    assert home(app, app.test_client()) == visitor  # kept and shared
    login_as(world.buyer)
    text = home(app, client)
    assert order_ids(text) == [order.id] and 'class="hero"' not in text
    # ... and the buyer's page is never kept for the next visitor: the visitor's page fetched
    # after it has no orders, and is the one the shared cache answers (not a query run).
    assert app.config["SHARED_PAGE_SECONDS"] > 0
    after = home(app, app.test_client())
    assert order_ids(after) == [] and 'class="hero"' in after
    with statements() as seen:
        assert home(app, app.test_client()) == after
    assert seen == []


@contextmanager
def statements():
    """The SQL statements run meanwhile."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_an_orders_lines_are_listed_in_the_pages_language(app, client, login_as, world,
                                                          make_product):
    order = two_line_order(app, world, make_product)
    login_as(world.buyer)
    section = assert_page(client.get(url(app, "shops.index"), headers={"Accept-Language": "en"}))
    card = section[section.index(f'id="home-order-{order.id}"'):]
    card = card[:card.index("</a>")]
    assert f"{world.product.title}, 草莓" in card and "、" not in card
