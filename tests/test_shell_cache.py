"""The page shell's kept pieces (webapp/shell_cache.py) and the other per-request savings of
issue 17: pages come out as they would without the pieces, for each person in turn; nothing of
one person reaches another's page; the cheap paths keep their checks."""
from __future__ import annotations

import re

import pytest

from tests.support.helpers import url
from webapp.extensions import db
from webapp.models import CartItem, Role

# (page, who): every kind of visitor on pages of every part of the shell (tab bar with each tab
# current, the merchant's, courier's and admin's links, the anonymous links).
VISITS = [
    ("shops.index", "buyer"), ("cart.index", "buyer"), ("orders.index", "buyer"),
    ("demands.index", "buyer"), ("search.index", "buyer"),
    ("shops.index", "other_buyer"), ("cart.index", "other_buyer"),
    ("merchants.dashboard", "merchant"), ("orders.board", "merchant"),
    ("delivery.index", "courier"), ("admin.applications", "admin"),
    ("shops.index", None), ("auth.login", None),
]
LANGUAGES = ("zh_CN", "en")
TOKEN = re.compile(r'("X-CSRFToken": "|name="csrf_token" value=")([^"]+)')


def page(app, client, endpoint: str, language: str) -> str:
    client.set_cookie("lang", language)
    response = client.get(url(app, endpoint))
    assert response.status_code == 200, (endpoint, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture
def visitors(app, world, make_product, as_party):
    """A test client per person; the two buyers have different carts (3 items and none)."""
    product = make_product(world.shop)
    db.session.add(CartItem(user_id=world.buyer.id, product_id=product.id, quantity=3))
    db.session.commit()
    people = {name: getattr(world, name) for name in
              ("buyer", "other_buyer", "merchant", "courier", "admin")}
    clients = {name: as_party(user) for name, user in people.items()}
    clients[None] = app.test_client()
    return people, clients


def test_pages_with_kept_pieces_are_the_pages_without_them(app, visitors):
    people, clients = visitors
    kept = {}
    for _ in range(2):  # the second round is served from the pieces the first one kept
        for language in LANGUAGES:
            for endpoint, who in VISITS:
                kept.setdefault((endpoint, who, language), []).append(
                    TOKEN.sub(r"\1-", page(app, clients[who], endpoint, language)))
    pieces = dict(app.jinja_env.shell_pieces)
    assert pieces, "the shell's pieces are kept"
    app.jinja_env.auto_reload = True  # as in debug: nothing kept, every piece rendered anew
    for (endpoint, who, language), rounds in kept.items():
        fresh = TOKEN.sub(r"\1-", page(app, clients[who], endpoint, language))
        assert rounds == [fresh, fresh], (endpoint, who, language)
    assert app.jinja_env.shell_pieces == pieces


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_person_sees_their_own_name_count_token_and_tabs(app, visitors, language):
    people, clients = visitors
    tokens = {}
    for _ in range(2):
        for who in ("buyer", "other_buyer", "merchant", None, "buyer"):
            text = page(app, clients[who], "shops.index", language)
            user = people.get(who)
            if user is None:  # a page kept for anonymous visitors: no token at all
                assert "data-user=" not in text and 'class="tabs"' not in text
                assert not TOKEN.search(text)
                continue
            # One form token on the page (the header htmx sends, the logout form), this person's.
            signed = {match[1] for match in TOKEN.findall(text)}
            assert len(signed) == 1
            tokens.setdefault(who, set()).update(signed)
            assert f'data-user="{user.id}"' in text
            assert f'title="{user.display_name}"' in text
            others = [u for name, u in people.items() if name != who]
            assert not any(f'title="{u.display_name}"' in text for u in others)
            assert ('class="tabs"' in text) is (user.role is Role.BUYER)
            badge = re.search(r'id="cart-link".*?</a>', text, re.S)
            if who == "buyer":
                assert '<span class="badge">3</span>' in badge[0]
            elif who == "other_buyer":
                assert 'class="badge"' not in badge[0]
    assert all(mine.isdisjoint(theirs) for who, mine in tokens.items()
               for other, theirs in tokens.items() if other != who)


def test_the_tab_of_the_page_is_the_current_one_after_other_pages(app, visitors):
    _, clients = visitors
    for endpoint, tab in (("shops.index", "逛店铺"), ("cart.index", "购物车"),
                          ("orders.index", "我的订单"), ("demands.index", "我的需求"),
                          ("shops.index", "逛店铺")):
        text = page(app, clients["buyer"], endpoint, "zh_CN")
        tabs = re.search(r'<span class="tabs">(.*?)</span>\s*<form', text, re.S)[1]
        current = re.findall(r'<a [^>]*aria-current="page"[^>]*>.*?</a>', tabs, re.S)
        assert len(current) == 1 and tab in current[0], (endpoint, current)


@pytest.mark.parametrize("content_type, body", [
    ("application/x-www-form-urlencoded", b"login=a%00b&password=x"),
    ("multipart/form-data; boundary=XX",
     b'--XX\r\nContent-Disposition: form-data; name="login"\r\n\r\na\x00b\r\n--XX--\r\n'),
])
def test_a_nul_byte_in_a_form_is_still_refused(client, content_type, body):
    response = client.post("/auth/login", data=body, content_type=content_type)
    assert response.status_code == 400


def test_the_service_worker_answers_a_conditional_request_with_304(client):
    first = client.get("/sw.js")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/sw.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()
    assert client.get("/sw.js").get_data() == first.get_data()
