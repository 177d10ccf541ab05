"""A deleted account's name is stored as the records' words (已注销用户) and shown in the reader's
language wherever a name is shown: User.shown_name and Order.recipient_shown (never a stored
translation). The orders (the shop's page, board and proof; the courier's list and page), the
reviews and the admin's review of an application, in both languages."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.support.factories import submit_complete
from tests.support.helpers import url
from webapp.extensions import db
from webapp.i18n import COOKIE
from webapp.me.deletion import delete_account
from webapp.models import EventKind, OrderEvent, Role, Status, User
from webapp.models.user import DELETED_NAME
from webapp.orders.actions import assign
from webapp.reviews import services as reviews


@pytest.fixture
def gone(app, world, advance, make_user):
    """A buyer who ordered, reviewed and deleted the account; a courier who delivered another
    buyer's order and deleted theirs; a merchant who applied and deleted theirs."""
    order = advance(Status.COMPLETED)
    reviews.post_review(world.buyer, order.id, reviews.Scores(5, 5, 5), "很新鲜")
    delete_account(db.session.get(User, world.buyer.id))
    applicant = make_user(Role.MERCHANT)
    application = submit_complete(applicant)
    delete_account(db.session.get(User, applicant.id))
    db.session.expire_all()
    return order, application


# (who reads, which page): the buyer as the recipient and the reviewer, the merchant as the
# applicant and the author of the application's history.
PAGES = [("merchant", "orders.detail"), ("merchant", "orders.proof"), ("merchant", "orders.board"),
         ("courier", "delivery.index"), ("courier", "orders.detail"), ("visitor", "reviews.shop"),
         ("admin", "admin.review")]


def _path(app, world, order, application, endpoint):
    values = {"orders.detail": {"order_id": order.id}, "orders.proof": {"order_id": order.id},
              "reviews.shop": {"handle": world.shop.handle},
              "admin.review": {"application_id": application.id}}.get(endpoint, {})
    return url(app, endpoint, **values)


@pytest.mark.parametrize("lang, words", [("zh_CN", "已注销用户"), ("en", "Deleted user")])
@pytest.mark.parametrize("reader, endpoint", PAGES, ids=[p[1] + "-" + p[0] for p in PAGES])
def test_a_deleted_person_is_named_in_the_reader_s_language(app, as_party, world, gone, lang,
                                                            words, reader, endpoint):
    order, application = gone
    client = app.test_client() if reader == "visitor" else as_party(getattr(world, reader))
    client.set_cookie(COOKIE, lang)
    response = client.get(_path(app, world, order, application, endpoint))
    assert response.status_code == 200, (endpoint, response.status_code)
    assert words in response.text, endpoint
    if lang == "en":
        assert DELETED_NAME not in response.text and "已**" not in response.text, endpoint


def test_a_deleted_courier_is_named_in_the_reader_s_language(app, as_party, world, advance):
    order = advance(Status.COMPLETED)
    name = world.courier.display_name
    delete_account(db.session.get(User, world.courier.id))
    buyer = as_party(world.buyer)
    buyer.set_cookie(COOKIE, "en")
    text = buyer.get(url(app, "orders.detail", order_id=order.id)).text
    assert re.search(r"<dt>Courier</dt><dd>Deleted user</dd>", text)
    # The order's history named them when the order was assigned: no more.
    assert name not in text and "Deleted user" in text.split("Order history")[-1]
    buyer.set_cookie(COOKIE, "zh_CN")
    history = buyer.get(url(app, "orders.detail", order_id=order.id)).text
    assert name not in history and "已派单给骑手 已注销用户" in history
    shop = as_party(world.merchant)  # the courier's cash at the door, per day (sales figures)
    shop.set_cookie(COOKIE, "en")
    figures = shop.get(url(app, "stats.index", period="30")).text
    assert re.search(r'class="cash-courier">Deleted user<', figures), figures[-3000:]


def test_a_courier_relieved_of_an_order_is_not_named_in_its_history(app, world, advance,
                                                                      make_courier):
    """The first courier of an order given to another after a failed delivery is named in its
    history (ASSIGNED) though the order keeps no delivery of theirs: their deletion finds the
    event by the id it records. The second courier's assignment keeps its name."""
    order = advance(Status.DELIVERY_FAILED)
    first = world.courier.display_name
    second = make_courier(world.shop)
    second.display_name = "赵六"
    db.session.commit()
    assign(order.id, world.merchant, second.id)
    db.session.commit()
    delete_account(db.session.get(User, world.courier.id))
    db.session.expire_all()
    named = [event.params["courier"] for event in db.session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id,
                                 OrderEvent.kind == EventKind.ASSIGNED).order_by(OrderEvent.id))]
    assert named == [DELETED_NAME, "赵六"]
    assert first not in repr(named)
