"""Signed-in buyers' shop pages are kept for a moment and filled in per request
(webapp/signed_in_pages.py): each buyer sees only their own name, id, cart count and form token,
the kept page is the page rendered fresh, and nothing kept reaches a visitor who is not that
kind of visitor (anonymous, a stale or suspended session, another role)."""
from __future__ import annotations

import re

import pytest
from flask import flash, render_template_string
from markupsafe import escape

from tests.support.database import KeptLonger, app_with_tables
from tests.support.helpers import HX, url
from webapp import signed_in_pages
from webapp.auth.sessions import LightUser, light_user_for
from webapp.extensions import db
from webapp.models import CartItem
from webapp.shared_pages import shared

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

TOKEN = re.compile(r'("X-CSRFToken": "|name="csrf_token" value=")([^"]+)')


@pytest.fixture
def app(tmp_path):
    yield from app_with_tables(KeptLonger, upload_dir=tmp_path / "uploads")


@pytest.fixture
def buyers(app, world, make_product, as_party):
    """Two buyers with different carts (3 items and none) and names needing escapes, a client
    each; the shop's path."""
    product = make_product(world.shop)
    db.session.add(CartItem(user_id=world.buyer.id, product_id=product.id, quantity=3))
    world.buyer.display_name = '买家 <甲> & "A"'
    db.session.commit()
    people = {"buyer": world.buyer, "other_buyer": world.other_buyer}
    clients = {name: as_party(user) for name, user in people.items()}
    return people, clients, url(app, "shops.detail", handle=world.shop.handle)


def get(client, path: str, **headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True)
    assert signed_in_pages.PREFIX not in text  # never a marker left in a page
    return text


def kept(app) -> dict:
    return app.extensions["shared_pages"].signed_in


def tokens(text: str) -> set[str]:
    return {match[1] for match in TOKEN.findall(text)}


def assert_mine(text: str, user, cart: int | None) -> None:
    assert f'data-user="{user.id}" data-role="buyer"' in text
    assert f'title="{escape(user.display_name)}"' in text
    badge = re.search(r'id="cart-link".*?</a>', text, re.S)[0]
    assert (f'<span class="badge">{cart}</span>' in badge) if cart else 'class="badge"' not in badge
    assert len(tokens(text)) == 1


def test_two_buyers_in_turn_see_only_their_own_parts(app, buyers, statements):
    people, clients, path = buyers
    seen: dict[str, list[str]] = {}
    for _ in range(3):
        for who, cart in (("buyer", 3), ("other_buyer", 0)):
            text = get(clients[who], path)
            assert_mine(text, people[who], cart)
            other = people["other_buyer" if who == "buyer" else "buyer"]
            assert f'data-user="{other.id}"' not in text
            assert f'title="{escape(other.display_name)}"' not in text
            seen.setdefault(who, []).append(text)
    assert len(kept(app)) == 1  # one page for both
    mine = {who: set().union(*map(tokens, texts)) for who, texts in seen.items()}
    assert mine["buyer"].isdisjoint(mine["other_buyer"])
    # A kept page answers with one query: the login, which brings the cart's count.
    before = len(statements)
    get(clients["other_buyer"], path)
    assert len(statements) - before == 1 and "cart_item" in statements[-1]  # the login alone
    # The same as rendered fresh (nothing kept while templates reload), tokens aside.
    app.jinja_env.auto_reload = True
    for who, texts in seen.items():
        fresh = TOKEN.sub(r"\1-", get(clients[who], path))
        assert all(TOKEN.sub(r"\1-", text) == fresh for text in texts), who


@pytest.mark.parametrize("headers", [{}, HX, {"Accept-Language": "en"}], ids=["page", "htmx", "en"])
def test_each_variant_is_kept_apart_and_matches_a_fresh_render(app, buyers, headers):
    people, clients, path = buyers
    get(clients["buyer"], path)  # the plain page kept first
    first = get(clients["other_buyer"], path, **headers)
    again = get(clients["other_buyer"], path, **headers)
    assert TOKEN.sub("", first) == TOKEN.sub("", again)
    assert len(kept(app)) == (1 if not headers else 2)
    app.jinja_env.auto_reload = True
    assert TOKEN.sub("", get(clients["other_buyer"], path, **headers)) == TOKEN.sub("", first)
    assert ("<html" in first) is (headers is not HX)


def test_a_pending_flash_message_gets_a_fresh_page_that_is_not_kept(app, buyers):
    _, clients, path = buyers
    get(clients["other_buyer"], path)
    with clients["buyer"].session_transaction() as session:
        session["_flashes"] = [("success", "已加入购物车")]
    text = get(clients["buyer"], path)
    assert "已加入购物车" in text
    assert "已加入购物车" not in get(clients["other_buyer"], path)
    assert "已加入购物车" not in get(clients["buyer"], path)  # shown once


def test_a_view_that_flashes_is_not_kept(app, buyers, world):
    _, clients, _ = buyers

    @shared(buyers=True)
    def flashing():
        flash("只此一次")
        return render_template_string('{% extends "base.html" %}{% block content %}x{% endblock %}')

    app.add_url_rule("/t/flashing", view_func=flashing)
    assert "只此一次" in get(clients["buyer"], "/t/flashing")
    assert not kept(app)


def test_a_product_edit_shows_at_once(app, buyers, world):
    _, clients, path = buyers
    get(clients["buyer"], path)
    world.product.title = "新名字的苹果"
    db.session.commit()
    assert "新名字的苹果" in get(clients["other_buyer"], path)


def test_anonymous_and_signed_in_pages_never_cross(app, client, buyers):
    people, clients, path = buyers
    for _ in range(2):
        anonymous = get(client, path)
        assert "data-user=" not in anonymous and not tokens(anonymous)
        assert_mine(get(clients["buyer"], path), people["buyer"], 3)


@pytest.mark.parametrize("change", ["logged out", "suspended"])
def test_a_stale_or_suspended_session_is_not_served_a_signed_in_page(app, buyers, change):
    people, clients, path = buyers
    buyer = people["buyer"]
    if change == "logged out":
        buyer.session_generation = (buyer.session_generation or 0) + 1
    else:
        buyer.active = False
    db.session.commit()
    get(clients["other_buyer"], path)  # a page kept after the change
    assert kept(app)
    text = get(clients["buyer"], path)
    assert "data-user=" not in text and "has-tabs" not in text
    assert str(people["other_buyer"].id) not in re.findall(r'data-user="(\d+)"', text)


def test_the_owner_and_other_roles_are_never_served_a_kept_page(app, buyers, world, as_party):
    _, clients, path = buyers
    get(clients["buyer"], path)
    owner = get(as_party(world.merchant), path)
    assert f'data-user="{world.merchant.id}"' in owner and "qr-link" in owner
    assert "qr-link" not in get(clients["buyer"], path)
    assert len(kept(app)) == 1
    assert 'data-role="admin"' in get(as_party(world.admin), path)
    assert len(kept(app)) == 1


def test_responses_keep_their_private_headers(app, buyers):
    _, clients, path = buyers
    get(clients["buyer"], path)
    response = clients["other_buyer"].get(path)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert {"HX-Request", "Cookie"} <= set(re.split(r",\s*", response.headers["Vary"]))
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_page_asking_for_more_of_the_person_is_rendered_for_them_and_not_kept(app, buyers):
    people, clients, _ = buyers

    @shared(buyers=True)
    def personal():
        return render_template_string("{{ current_user.email }}")

    app.add_url_rule("/t/personal", view_func=personal)
    for who in ("buyer", "other_buyer"):
        assert get(clients[who], "/t/personal") == people[who].email
    assert not kept(app) and "personal" in signed_in_pages.UNKEPT
    signed_in_pages.UNKEPT.discard("personal")


def test_a_cart_change_shows_on_the_next_kept_page(app, buyers, world, statements):
    people, clients, path = buyers
    get(clients["other_buyer"], path)
    db.session.add(CartItem(user_id=people["other_buyer"].id, product_id=world.product.id,
                            quantity=2))
    db.session.commit()  # a cart write keeps the pages (webapp/shared_pages.py QUIET_TABLES)
    assert kept(app)
    db.session.refresh(people["other_buyer"])  # (the assertions read its id and name)
    before = len(statements)
    page = get(clients["other_buyer"], path)
    assert len(statements) - before == 1  # the login, with the cart's count
    # Read as columns (LightUser), not as an entity ("user" is quoted on PostgreSQL).
    assert statements[before].replace('"', "").startswith(
        "SELECT user.id, user.role, user.display_name, user.active, user.session_generation")
    assert_mine(page, people["other_buyer"], 2)


def test_a_light_login_answers_anything_else_from_the_user(app, buyers):
    people, _, _ = buyers
    buyer = people["other_buyer"]
    with app.test_request_context("/"):
        light = light_user_for(buyer.get_id())
        assert isinstance(light, LightUser) and light.get_id() == buyer.get_id()
        assert (light.id, light.role, light.is_active) == (buyer.id, buyer.role, True)
        assert "email" not in vars(light) and light.email == buyer.email  # loaded on demand
        assert light_user_for(f"{buyer.id}:{buyer.session_generation + 1}") is None
