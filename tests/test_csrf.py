"""CSRF on: htmx sends the token from <body hx-headers>, plain forms from their hidden field."""
import json
import re

import pytest
from sqlalchemy import select

from tests.support.database import app_with_tables
from tests.support.helpers import HX, assert_error_page, assert_flash_error, input_value, url
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import Order, Product, Role, Status


class CsrfConfig(TestConfig):
    WTF_CSRF_ENABLED = True


@pytest.fixture
def app():
    """The app of conftest, but with CSRF protection as in production."""
    yield from app_with_tables(CsrfConfig)


def body_token(text: str) -> str:
    """The token htmx sends with every request, from <body hx-headers='...'>."""
    attribute = re.search(r"<body\b[^>]*\bhx-headers='([^']*)'", text)
    assert attribute is not None
    return json.loads(attribute.group(1))["X-CSRFToken"]


def test_an_htmx_post_needs_the_token_from_the_body(app, client, login_as, world):
    login_as(world.merchant)
    path = url(app, "catalog.publish", product_id=world.product.id)
    refused = client.post(path, headers=HX, data={"published": "0"})
    assert_flash_error(refused, 400, "页面已过期，请刷新后重试。")
    assert db.session.scalar(select(Product.published).where(Product.id == world.product.id))

    token = body_token(client.get(url(app, "catalog.products")).text)
    accepted = client.post(path, headers={**HX, "X-CSRFToken": token}, data={"published": "0"})
    assert accepted.status_code == 200
    assert f'id="product-row-{world.product.id}"' in accepted.text
    db.session.expire_all()
    assert db.session.scalar(select(Product.published).where(Product.id == world.product.id)) \
        is False


def test_a_token_from_another_session_is_refused(app, login_as, world, place):
    order = place(world.buyer, world.product)
    mine, other = app.test_client(), app.test_client()
    login_as(world.merchant, mine)
    login_as(world.merchant, other)
    stolen = body_token(other.get(url(app, "orders.board")).text)
    response = mine.post(url(app, "orders.accept", order_id=order.id),
                         headers={**HX, "X-CSRFToken": stolen})
    assert_flash_error(response, 400, "页面已过期")
    response = mine.post(url(app, "orders.accept", order_id=order.id),
                         headers={**HX, "X-CSRFToken": "garbage"})
    assert_flash_error(response, 400, "页面已过期")
    assert db.session.scalar(select(Order.status).where(Order.id == order.id)) is Status.PLACED


def test_a_plain_form_post_needs_its_hidden_field(app, client, make_user):
    make_user(Role.BUYER, email="csrf@example.com", password="right-password")
    form = {"login": "csrf@example.com", "password": "right-password"}
    assert_error_page(client.post(url(app, "auth.login"), data=form), 400, "页面已过期")
    with client.session_transaction() as session:
        assert "_user_id" not in session

    token = input_value(client.get(url(app, "auth.login")).text, "csrf_token")
    response = client.post(url(app, "auth.login"), data={**form, "csrf_token": token})
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert "_user_id" in session


def test_the_login_page_token_works_for_htmx_and_the_form_alike(app, client):
    text = client.get(url(app, "auth.login")).text
    assert body_token(text) == input_value(text, "csrf_token")
