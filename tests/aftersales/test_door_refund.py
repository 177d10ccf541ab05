"""A refund owed at the door (an order paid in cash or by card): the shop says it paid it back,
once, only its own and only a door refund; the buyer's request and order pages say so; the
shop's 待退款 tab until then; the admin's list of those unconfirmed past
DOOR_REFUND_OVERDUE_DAYS; both languages."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from tests.support.aftersales import ask, signed_order
from tests.support.helpers import HX, assert_fragment, assert_page, url
from webapp.aftersales import door, opening, services
from webapp.aftersales.door_state import DoorMethod, DoorRefund
from webapp.aftersales.state import Action, Status
from webapp.extensions import db
from webapp.models import AfterSale, EventKind, OrderEvent
from webapp.web import Conflict, ServiceError

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

EN = {"Accept-Language": "en"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def owed(app, world, **ask_fields) -> AfterSale:
    """A refund-only request on an order paid in cash at the door, agreed: owed by the shop."""
    order = signed_order(app, world, {world.goods: 1})
    request = opening.open_request(order.id, world.buyer, ask(order, {0: 1}, **ask_fields))
    return services.act(request.id, world.merchant, Action.AGREE)


def events(order_id: int) -> list[OrderEvent]:
    return list(db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order_id)
                                   .order_by(OrderEvent.id)))


def test_a_refund_at_the_door_is_owed_until_the_shop_confirms_it_once(app, world, clock):
    request = owed(app, world)
    assert (request.status, request.door_refund) == (Status.REFUNDED, DoorRefund.OWED)
    assert events(request.order_id)[-2].params == {"amount_fen": 5000, "reason": "after_sales_door"}
    clock.set(request.updated_at + timedelta(hours=5))
    done = door.confirm(request.id, world.merchant, "transfer", "  尾号 0427  ")
    assert (done.door_refund, done.door_refund_method, done.door_refund_note) == (
        DoorRefund.PAID, DoorMethod.TRANSFER, "尾号 0427")
    assert done.door_refund_paid_at == clock.at and done.status is Status.REFUNDED
    last = events(request.order_id)[-1]
    assert (last.kind, last.actor_id, last.params) == (
        EventKind.AFTER_SALE_DOOR_REFUNDED, world.merchant.id,
        {"request": request.id, "amount_fen": 5000, "way": "transfer"})
    count = len(events(request.order_id))
    with pytest.raises(Conflict, match="已确认退还过"):  # a second tap, another tab
        door.confirm(request.id, world.merchant, "cash")
    assert len(events(request.order_id)) == count
    assert db.session.get(AfterSale, request.id).door_refund_method is DoorMethod.TRANSFER


def test_only_the_cases_shop_confirms(app, world):
    request = owed(app, world)
    with pytest.raises(NotFound):  # another shop: never a hint that it exists
        door.confirm(request.id, world.other_merchant, "cash")
    for who in (world.buyer, world.admin):
        with pytest.raises(ServiceError) as refused:
            door.confirm(request.id, who, "cash")
        assert refused.value.status == 403
    with pytest.raises(NotFound):
        door.confirm(request.id, world.other_buyer, "cash")
    assert db.session.get(AfterSale, request.id).door_refund is DoorRefund.OWED


def test_only_a_door_refund_is_confirmed(app, world):
    order = signed_order(app, world, {world.goods: 1})
    waiting = opening.open_request(order.id, world.buyer, ask(order, {0: 1}))
    with pytest.raises(Conflict, match="没有待商家退还的款项"):
        door.confirm(waiting.id, world.merchant, "cash")
    request = owed(app, world)
    for method, note in (("wechat", ""), ("", ""), ("cash", "x" * 201)):
        with pytest.raises(ServiceError) as refused:
            door.confirm(request.id, world.merchant, method, note)
        assert refused.value.status == 422
    assert db.session.get(AfterSale, request.id).door_refund is DoorRefund.OWED


def test_a_ruling_for_the_buyer_owes_it_at_the_door_too(app, world):
    order = signed_order(app, world, {world.goods: 1})
    request = opening.open_request(order.id, world.buyer, ask(order, {0: 1}))
    services.act(request.id, world.merchant, Action.REFUSE, "人为损坏")
    services.act(request.id, world.buyer, Action.ESCALATE, "收到就是裂的")
    decided = services.act(request.id, world.admin, Action.RULE_FOR_BUYER, "看照片")
    assert decided.door_refund is DoorRefund.OWED


def test_the_admin_sees_the_ones_left_unconfirmed_too_long(app, world, clock):
    app.config["DOOR_REFUND_OVERDUE_DAYS"] = 3
    late, confirmed = owed(app, world), owed(app, world)
    start = late.updated_at
    clock.after(start, days=2, hours=23)
    recent = owed(app, world)
    assert late.id not in [r.id for r in door.overdue(None).items]
    clock.after(start, days=3, minutes=1)
    door.confirm(confirmed.id, world.merchant, "cash")
    overdue = [r.id for r in door.overdue(None).items]
    assert late.id in overdue and confirmed.id not in overdue and recent.id not in overdue
    assert door.overdue_count() == len(overdue)
    owed_ids = [r.id for r in door.shop_owed(world.shop, None).items]
    assert late.id in owed_ids and recent.id in owed_ids and confirmed.id not in owed_ids


def test_the_pages_in_both_languages(app, world, as_party):
    request = owed(app, world)
    shop, buyer = as_party(world.merchant), as_party(world.buyer)
    detail = url(app, "aftersales.detail", request_id=request.id)
    page = assert_page(shop.get(detail), "door-refund-form")
    assert "已退还" in page and "商家尚未确认已退还" in page
    assert "Paid back" in shop.get(detail, headers=EN).text
    assert "door-refund-form" not in buyer.get(detail).text
    owed_tab = shop.get(url(app, "aftersales.shop_list", tab="refund")).text
    assert f"售后 #{request.id}<" in owed_tab and "待退款 ¥50.00" in owed_tab
    assert "Refund due ¥50.00" in shop.get(url(app, "aftersales.shop_list", tab="all"),
                                           headers=EN).text
    path = url(app, "aftersales.confirm_door_refund", request_id=request.id)
    refused = assert_fragment(shop.post(path, data={"note": "x"}, headers=HX),
                              f"after-sale-{request.id}", 422)
    assert "请选择退还方式" in refused and 'value="x"' in refused
    response = shop.post(path, data={"method": "cash", "note": "Handed over at the shop"})
    assert response.status_code == 303 and response.headers["Location"].endswith(detail)
    assert f"售后 #{request.id}<" not in shop.get(url(app, "aftersales.shop_list", tab="refund")).text
    again = shop.post(path, data={"method": "cash", "note": ""}, headers=HX)
    assert again.status_code == 409
    mine = buyer.get(detail).text
    assert "商家称已于" in mine and "¥50.00（现金）" in mine and "Handed over at the shop" in mine
    assert "没有收到？请直接联系商家核实" in mine and "door-refund-form" not in mine
    english = buyer.get(detail, headers=EN).text
    assert "The shop says it paid back ¥50.00" in english and "(cash)" in english
    order_page = buyer.get(url(app, "orders.detail", order_id=request.order_id)).text
    assert "商家称已退还" in order_page
    assert f"商家称已退还售后 #{request.id} 的 ¥50.00（现金）" in order_page
    english = buyer.get(url(app, "orders.detail", order_id=request.order_id), headers=EN).text
    assert f"The shop says it paid back ¥50.00 for after-sales request #{request.id} (cash)" \
        in english


def test_the_admins_list_in_both_languages(app, world, as_party, clock):
    request = owed(app, world)
    clock.after(request.updated_at, days=4)
    admin = as_party(world.admin)
    page = admin.get(url(app, "aftersales.admin_queue", view="door")).text
    assert f"售后 #{request.id}<" in page and "到付退款逾期未确认" in page
    english = admin.get(url(app, "aftersales.admin_queue", view="door"), headers=EN).text
    shown = re.sub(r"<[^>]+>", " ", english)
    data = {world.goods.title, world.shop.name, "中文"}
    assert not [w for w in CJK.findall(shown) if not any(w in d for d in data)]
    assert f"After-sales #{request.id}<" in english
    assert f"售后 #{request.id}<" not in admin.get(url(app, "aftersales.admin_queue")).text
