"""Who may read and do what: quotes are sealed between shops, demands private between buyers, and
only approved merchants with an open shop see the feed or quote."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.support.demands import demand_input
from tests.support.helpers import HX, url
from tests.support.images import jpeg_bytes
from webapp.demands import posting
from webapp.extensions import db
from webapp.models import Quote
from webapp.uploads import clean_image

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


@pytest.fixture
def scene(market, post, offer):
    """A demand with a photo and a quote from each of the district's two shops."""
    demand = posting.post_demand(market.buyer, demand_input(photo=clean_image(jpeg_bytes())))
    market.demand = demand
    market.quote_a = offer(market.merchant_a, demand, unit_price_fen=6100, note="A 的秘密备注")
    market.quote_b = offer(market.merchant_b, demand, unit_price_fen=5900, note="B 的秘密备注")
    return market


def as_user(app, login_as, user):
    client = app.test_client()
    login_as(user, client)
    return client


def test_merchant_a_cannot_read_merchant_bs_quote(app, login_as, scene):
    a = as_user(app, login_as, scene.merchant_a)
    details = (url(app, "demands.detail", demand_id=scene.demand.id),
               url(app, "demands.detail", demand_id=scene.demand.id, edit=1))
    for path in (*details, url(app, "demands.feed"), url(app, "demands.feed", all=1)):
        for headers in ({}, HX):
            response = a.get(path, headers=headers)
            assert response.status_code == 200
            assert ("A 的秘密备注" in response.text) == (path in details)
            assert "B 的秘密备注" not in response.text and "¥59.00" not in response.text
            assert f"quote-{scene.quote_b.id}" not in response.text
    feed = a.get(url(app, "demands.feed")).text
    assert "¥130.00" in feed and "¥126.00" not in feed  # A's total (2 × ¥61 + ¥8), not B's


@pytest.mark.parametrize("who", ["unapproved", "merchant_suspended"])
def test_an_unapproved_merchant_sees_no_feed_and_cannot_quote(app, login_as, scene, who):
    from tests.support.demands import quote_form

    client = as_user(app, login_as, getattr(scene, who))
    for path in (url(app, "demands.feed"), url(app, "demands.detail", demand_id=scene.demand.id),
                 url(app, "demands.photo", demand_id=scene.demand.id)):
        response = client.get(path)
        assert response.status_code in (403, 404) and scene.demand.title not in response.text
    assert client.get(url(app, "demands.feed")).status_code == 403
    response = client.post(url(app, "demands.quote", demand_id=scene.demand.id), data=quote_form())
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Quote.id))) == 2


def test_a_merchant_of_another_district_cannot_see_the_demand(app, login_as, scene):
    client = as_user(app, login_as, scene.merchant_far)
    assert client.get(url(app, "demands.detail", demand_id=scene.demand.id)).status_code == 404
    assert client.get(url(app, "demands.photo", demand_id=scene.demand.id)).status_code == 404
    assert scene.demand.title not in client.get(url(app, "demands.feed", all=1)).text


def test_the_photo_is_for_the_buyer_and_the_merchants_who_may_quote(app, login_as, scene):
    for user in (scene.buyer, scene.merchant_a, scene.merchant_b):
        with as_user(app, login_as, user).get(
                url(app, "demands.photo", demand_id=scene.demand.id)) as response:
            assert response.status_code == 200 and response.mimetype == "image/jpeg"
    for user in (scene.courier, scene.admin):
        response = as_user(app, login_as, user).get(
            url(app, "demands.photo", demand_id=scene.demand.id))
        assert response.status_code == 403


def test_huge_ids_are_unknown_pages(app, login_as, scene):
    client = as_user(app, login_as, scene.buyer)
    assert client.get(f"/demands/{2**40}").status_code == 404
    assert client.get(f"/demands/checkout/{2**40}").status_code == 404


# Who asks, and what both the demand's page and its photo answer them.
PAGE_AND_PHOTO = [
    ("buyer", 200), ("merchant_a", 200), ("other_buyer", 404), ("merchant_far", 404),
    ("unapproved", 403), ("merchant_suspended", 403), ("courier", 403), ("admin", 403),
]


@pytest.mark.parametrize("who, status", PAGE_AND_PHOTO, ids=[w for w, _ in PAGE_AND_PHOTO])
def test_the_photo_is_refused_as_the_demand_page_is(app, login_as, scene, who, status):
    """The photo answers whoever asks as the page does: a merchant whose shop may not quote gets
    the page's 403 (about their shop, the same for every demand, missing ones too), one who may
    not see this demand a 404 as for a missing one."""
    client = as_user(app, login_as, getattr(scene, who))
    for demand_id in (scene.demand.id, 2**31 - 1):
        page = client.get(url(app, "demands.detail", demand_id=demand_id))
        photo = client.get(url(app, "demands.photo", demand_id=demand_id))
        photo.close()
        expected = status if demand_id == scene.demand.id or status == 403 else 404
        assert (page.status_code, photo.status_code) == (expected, expected), demand_id
        if expected != 200:
            assert _said(photo.text) == _said(page.text.replace(
                url(app, "demands.detail", demand_id=demand_id),
                url(app, "demands.photo", demand_id=demand_id)))


def _said(text: str) -> str:
    """An error page without its CSRF token (signed, new for each response)."""
    return re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", text)
