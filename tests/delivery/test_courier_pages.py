"""The courier's list and delivery page (issue 15): what is under way comes first whatever its
window, a card is one link with its call and navigation buttons beside it, and the courier sees
where to pick up and how to open the destination in a navigation app."""
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.support.helpers import url
from webapp.delivery.geo import wgs84_to_gcj02
from webapp.extensions import db
from webapp.models import Status

PIN = (39.9087, 116.4605)


@pytest.fixture
def courier_client(app, world, login_as):
    client = app.test_client()
    login_as(world.courier, client)
    return client


def moved_to_tomorrow(order):
    order.window_start += timedelta(days=1)
    order.window_end += timedelta(days=1)
    db.session.commit()
    return order


def card(page: str, order_id: int) -> str:
    """The card's HTML: from its <li> to the next card, heading or the end of the page."""
    start = page.index(f'id="courier-order-{order_id}"')
    ends = [i for i in (page.find('<li class="card', start), page.find("<h2>", start),
                        page.find("</main>", start)) if i > 0]
    return page[start:min(ends)]


def test_what_is_under_way_comes_first_whatever_its_window(app, advance, courier_client):
    under_way = moved_to_tomorrow(advance(Status.DELIVERING))
    at_door = moved_to_tomorrow(advance(Status.ARRIVED))
    later = moved_to_tomorrow(advance(Status.DISPATCHED))
    page = courier_client.get(url(app, "delivery.index")).text
    heading = page.index("<h2>配送中</h2>")
    assert heading < page.index(f'id="courier-order-{under_way.id}"') < page.index("<h2>之后</h2>")
    assert heading < page.index(f'id="courier-order-{at_door.id}"') < page.index("<h2>之后</h2>")
    assert page.index("<h2>之后</h2>") < page.index(f'id="courier-order-{later.id}"')
    # Nothing else today: no "nothing to deliver today" under the delivery being ridden.
    assert "今天暂无待配送订单" not in page


def test_with_nothing_at_all_today_says_so(app, world, courier_client):
    page = courier_client.get(url(app, "delivery.index")).text
    assert "今天暂无待配送订单" in page and "<h2>配送中</h2>" not in page


def test_a_card_is_one_link_with_call_and_navigation_buttons_beside_it(app, world, advance,
                                                                      courier_client):
    world.shop.address = "北京市朝阳区建国路 88 号"
    db.session.commit()
    order = advance(Status.DISPATCHED)
    html = card(courier_client.get(url(app, "delivery.index")).text, order.id)
    detail = url(app, "delivery.detail", order_id=order.id)
    links = re.findall(r'<a\b[^>]*href="([^"]*)"', html)
    assert links.count(detail) == 1 and links[0] == detail
    main = re.search(r'<a\b[^>]*class="card-main"[^>]*>(.*?)</a>', html, re.S).group(1)
    assert "<a" not in main  # the other links are not inside the card's link
    assert "建国路 88 号" in main and world.shop.name in main  # where to pick it up
    assert 'class="button tel"' in html and 'href="tel:13912345678"' in html
    # 导航 opens the delivery's page at its navigation apps (a card of a page of ten stays light).
    assert links[1:] == ["tel:13912345678", f"{detail}#nav-{order.id}"]


def nav_links(html: str) -> dict[str, str]:
    found = dict(re.findall(r'<a\b[^>]*data-nav="(\w+)"[^>]*href="([^"]*)"', html))
    return {kind: unescape(href) for kind, href in found.items()}


@pytest.mark.parametrize("page", ["list", "detail"])
def test_navigation_links_use_the_pin_in_each_services_coordinates(app, advance, courier_client,
                                                                 page):
    order = advance(Status.DELIVERING)
    order.dest_lat, order.dest_lng = PIN
    db.session.commit()
    if page == "list":  # the card's 导航 leads to the list of apps on the delivery's page
        nav = re.search(r'href="([^"#]+)#([^"]+)">导航<', card(
            courier_client.get(url(app, "delivery.index")).text, order.id))
        html = courier_client.get(nav[1]).text
        assert re.search(rf'<details class="nav-apps">\s*<summary[^>]*>导航</summary>\s*'
                         rf'<ul class="nav-app-list" id="{nav[2]}"', html)
    else:
        html = courier_client.get(url(app, "delivery.detail", order_id=order.id)).text
    links = nav_links(html)
    assert set(links) == {"amap", "baidu", "apple", "geo"}
    amap = urlsplit(links["amap"])
    assert (amap.scheme, amap.netloc, amap.path) == ("https", "uri.amap.com", "/navigation")
    lng, lat = parse_qs(amap.query)["to"][0].split(",")[:2]
    glat, glng = wgs84_to_gcj02(*PIN)  # AMap draws in GCJ-02
    assert (float(lat), float(lng)) == pytest.approx((glat, glng), abs=1e-6)
    assert parse_qs(amap.query)["coordinate"] == ["gaode"]
    baidu = urlsplit(links["baidu"])
    assert (baidu.netloc, baidu.path) == ("api.map.baidu.com", "/marker")
    query = parse_qs(baidu.query)
    assert query["location"] == ["39.908700,116.460500"] and query["coord_type"] == ["wgs84"]
    assert links["apple"] == "https://maps.apple.com/?daddr=39.908700,116.460500"
    assert links["geo"].startswith("geo:39.908700,116.460500?q=39.908700,116.460500(")


def test_without_a_pin_the_navigation_links_search_the_address(app, advance, courier_client):
    order = advance(Status.DISPATCHED)
    html = courier_client.get(url(app, "delivery.detail", order_id=order.id)).text
    links = nav_links(html)
    address = order.address
    assert parse_qs(urlsplit(links["amap"]).query)["keyword"] == [address]
    assert parse_qs(urlsplit(links["baidu"]).query)["address"] == [address]
    assert links["apple"] == "https://maps.apple.com/?daddr=" + quote(address, safe="")
    assert links["geo"] == "geo:0,0?q=" + quote(address, safe="")


def test_the_delivery_page_shows_where_to_pick_up(app, world, advance, courier_client):
    world.shop.address = "北京市朝阳区建国路 88 号"
    db.session.commit()
    order = advance(Status.DISPATCHED)
    html = courier_client.get(url(app, "delivery.detail", order_id=order.id)).text
    assert "取货地址" in html and "建国路 88 号" in html


# The call and navigation buttons lead to the buyer's door: only while the courier may still go.
GO_BY_STATUS = [(Status.DISPATCHED, True), (Status.DELIVERING, True), (Status.ARRIVED, True),
                (Status.DELIVERY_FAILED, True), (Status.COMPLETED, False), (Status.REFUSED, False)]


@pytest.mark.parametrize(("status", "shown"), GO_BY_STATUS, ids=[s for s, _ in GO_BY_STATUS])
def test_call_and_navigation_only_while_the_delivery_is_not_over(app, advance, courier_client,
                                                                 status, shown):
    order = advance(status)
    panel = courier_client.get(url(app, "delivery.detail", order_id=order.id)).text
    assert ('class="go"' in panel) is shown
    assert ("tel:" in panel) is shown and ("data-nav=" in panel) is shown
    listing = courier_client.get(url(app, "delivery.index")).text
    assert f"#{order.id}" in listing
    assert ('class="go"' in listing) is shown and ("tel:" in listing) is shown


# The buyer's (the delivery address's) number for the courier: on every page the courier reads,
# while the delivery is not over; from the signature (or any end) on, on none of them, though the
# order stays in the courier's history. The buyer and the shop keep seeing it.
NUMBER_BY_STATUS = [(Status.DISPATCHED, True), (Status.DELIVERING, True), (Status.ARRIVED, True),
                    (Status.COMPLETED, False), (Status.PARTIALLY_REFUSED, False),
                    (Status.REFUSED, False)]


@pytest.mark.parametrize(("status", "shown"), NUMBER_BY_STATUS,
                         ids=[s for s, _ in NUMBER_BY_STATUS])
def test_the_buyer_s_number_reaches_the_courier_only_during_the_delivery(
        app, world, advance, courier_client, as_party, status, shown):
    order = advance(status)
    pages = [url(app, "delivery.detail", order_id=order.id), url(app, "delivery.index"),
             url(app, "orders.detail", order_id=order.id)]
    for path in pages:
        text = courier_client.get(path).text
        assert ("13912345678" in text) is shown, (path, status)
    order_page = url(app, "orders.detail", order_id=order.id)
    for party in (world.buyer, world.merchant):
        assert "13912345678" in as_party(party).get(order_page).text
