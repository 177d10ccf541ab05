"""The after-sales pages: the entry on a signed order's page, the request form (photos, what is
left, refusals kept on the form), the request page and a subset of the table through the
routes (page and htmx), the shop's list with its deadlines, the admin's queue and case page,
both languages, and the second of two decisions refused with 409."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest

from tests.support.aftersales import ask, signed_order
from tests.support.helpers import (
    HX,
    assert_flash_error,
    assert_fragment,
    assert_page,
    stored_files,
    upload,
    url,
)
from tests.support.images import jpeg_bytes
from webapp.aftersales import opening, services
from webapp.aftersales.state import Action, Status
from webapp.extensions import db
from webapp.models import AfterSale, AuditLog

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

S, A = Status, Action
EN = {"Accept-Language": "en"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def request_form(order, quantities, **fields):
    data = {"kind": "refund_only", "reason": "quality", "note": "",
            "idempotency_key": secrets.token_hex(16),
            **{f"qty-{order.lines[i].id}": str(n) for i, n in quantities.items()}}
    data.update(fields)
    return data


def test_the_signed_orders_page_offers_a_request_with_its_deadline(app, world, as_party, clock):
    order = signed_order(app, world, {world.goods: 2})
    buyer = as_party(world.buyer)
    clock.set(order.proof.signed_at + timedelta(days=6, hours=23))
    text = buyer.get(url(app, "orders.detail", order_id=order.id)).text
    assert url(app, "aftersales.new", order_id=order.id) in text and "还剩 1 小时 0 分" in text
    english = buyer.get(url(app, "orders.detail", order_id=order.id), headers=EN).text
    assert "Request a refund or return" in english and "1 h 0 min left" in english
    clock.set(order.proof.signed_at + timedelta(days=7, seconds=1))
    text = buyer.get(url(app, "orders.detail", order_id=order.id)).text
    assert url(app, "aftersales.new", order_id=order.id) not in text and "售后申请期已过" in text
    merchant = as_party(world.merchant).get(url(app, "orders.detail", order_id=order.id)).text
    assert url(app, "aftersales.new", order_id=order.id) not in merchant


def test_the_form_makes_a_request_with_photos(app, world, as_party):
    order = signed_order(app, world, {world.goods: 2, world.fresh: 1})
    buyer = as_party(world.buyer)
    path = url(app, "aftersales.new", order_id=order.id)
    page = assert_page(buyer.get(path), "after-sale-form")
    assert "最多 2 件" in page and "生鲜类商品签收后 48 小时内" in page
    key = secrets.token_hex(16)

    def data():
        return request_form(order, {0: 1}, note="杯子有裂纹", idempotency_key=key,
                            photos=[upload(jpeg_bytes()), upload(jpeg_bytes())])

    response = buyer.post(path, data=data(), headers=HX)
    made = db.session.query(AfterSale).filter_by(order_id=order.id).one()
    assert response.headers["HX-Redirect"] == url(app, "aftersales.detail", request_id=made.id)
    assert len(made.photos) == 2 and made.note == "杯子有裂纹"
    again = buyer.post(path, data=data(), headers=HX)  # the same key: the same request
    assert again.headers["HX-Redirect"] == response.headers["HX-Redirect"]
    page = assert_page(buyer.get(response.headers["HX-Redirect"]), f"after-sale-{made.id}")
    assert "杯子有裂纹" in page and "待商家处理" in page and "撤回申请" in page
    photo = buyer.get(url(app, "aftersales.photo", request_id=made.id, index=1))
    photo.close()  # a sent file stays open until then
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert buyer.get(url(app, "aftersales.photo", request_id=made.id, index=2)).status_code == 404


def test_the_form_offers_only_what_the_open_lines_allow(app, world, as_party):
    """Fresh food alone: a refund only, already chosen, for a quality reason; with household
    goods on the order, a return and the 7-day reason too, nothing chosen."""
    buyer = as_party(world.buyer)
    fresh = signed_order(app, world, {world.fresh: 1})
    page = assert_page(buyer.get(url(app, "aftersales.new", order_id=fresh.id)), "after-sale-form")
    assert re.search(r'<input checked id="kind-0" name="kind"[^>]*value="refund_only"', page)
    assert 'value="return_refund"' not in page and 'value="no_reason"' not in page
    assert 'value="spoiled"' in page
    both = signed_order(app, world, {world.fresh: 1, world.goods: 1})
    page = assert_page(buyer.get(url(app, "aftersales.new", order_id=both.id)), "after-sale-form")
    assert 'value="return_refund"' in page and 'value="no_reason"' in page
    assert "checked" not in page


@pytest.mark.parametrize(("quantities", "fields", "says"), [
    ({0: 3}, {}, "最多还能申请 2 件"),
    ({0: "x"}, {}, "请输入整数件数"),
    ({0: 0}, {}, "请选择要申请售后的商品和数量"),
    ({0: 1}, {"reason": ""}, "请选择原因"),
    ({0: 1}, {"photos": [b"not an image"]}, "请上传 JPEG、PNG 或 WebP 图片"),
    ({0: 1}, {"photos": [jpeg_bytes()] * 4}, "最多上传 3 张照片"),
])
def test_a_refused_form_says_why_and_keeps_what_was_typed(app, world, as_party, _cache,
                                                          quantities, fields, says):
    if "two" not in _cache:
        _cache["two"] = signed_order(app, world, {world.goods: 2})
    order = _cache["two"]
    files = stored_files(app)
    if "photos" in fields:
        fields = {**fields, "photos": [upload(photo) for photo in fields["photos"]]}
    response = as_party(world.buyer).post(
        url(app, "aftersales.new", order_id=order.id), headers=HX,
        data=request_form(order, quantities, note="我写的说明", **fields))
    text = assert_fragment(response, "after-sale-form", 422)
    assert says in text and "我写的说明" in text
    assert stored_files(app) == files
    assert db.session.query(AfterSale).filter_by(order_id=order.id).count() == 0


def test_the_table_through_the_routes(app, world, as_party):
    """Refund only agreed by the shop; a return refused, escalated and decided for the buyer,
    sent back and received; each step's page and fragment; a step not for the role: 403."""
    order = signed_order(app, world, {world.goods: 3})
    buyer, shop, admin = as_party(world.buyer), as_party(world.merchant), as_party(world.admin)
    first = opening.open_request(order.id, world.buyer, ask(order, {0: 1}))
    assert_flash_error(buyer.post(url(app, "aftersales.agree", request_id=first.id), headers=HX),
                       403, "你没有权限")
    response = shop.post(url(app, "aftersales.agree", request_id=first.id), headers=HX)
    assert "已退款" in assert_fragment(response, f"after-sale-{first.id}")
    assert "商家应退还 ¥50.00" in response.text
    second = opening.open_request(order.id, world.buyer, ask(order, {0: 1}, kind="return_refund"))
    response = shop.post(url(app, "aftersales.refuse", request_id=second.id), data={"note": ""},
                         headers=HX)
    assert "请填写说明" in assert_fragment(response, f"after-sale-{second.id}", 422)
    response = shop.post(url(app, "aftersales.refuse", request_id=second.id),
                         data={"note": "无质量问题"})
    assert response.status_code == 303
    assert "无质量问题" in buyer.get(response.headers["Location"]).text
    response = buyer.post(url(app, "aftersales.escalate", request_id=second.id),
                          data={"note": "明显裂了"}, headers=HX)
    assert "平台处理中" in assert_fragment(response, f"after-sale-{second.id}")
    queue = assert_page(admin.get(url(app, "aftersales.admin_queue")))
    assert url(app, "aftersales.admin_case", request_id=second.id) in queue
    case = assert_page(admin.get(url(app, "aftersales.admin_case", request_id=second.id)),
                       "ruling-form")
    assert "数字指纹一致" in case and "无质量问题" in case and "明显裂了" in case
    assert admin.get(url(app, "aftersales.signature", request_id=second.id)).mimetype == \
        "image/png"
    decide = url(app, "aftersales.decide", request_id=second.id)
    response = admin.post(decide, data={"ruling": "buyer", "note": "照片可见裂纹"}, headers=HX)
    assert "待买家退货" in assert_fragment(response, f"after-sale-{second.id}")
    assert db.session.query(AuditLog).filter_by(subject_id=second.id,
                                                action="after_sale.rule_for_buyer").count() == 1
    assert_flash_error(admin.post(decide, data={"ruling": "shop", "note": "再判"}, headers=HX),
                       409, "不能支持商家")
    response = buyer.post(url(app, "aftersales.ship", request_id=second.id),
                          data={"note": "顺丰 SF100"}, headers=HX)
    assert "待商家收货" in assert_fragment(response, f"after-sale-{second.id}")
    response = shop.post(url(app, "aftersales.receive", request_id=second.id), headers=HX)
    assert "已退款" in assert_fragment(response, f"after-sale-{second.id}")
    assert_flash_error(shop.post(url(app, "aftersales.receive", request_id=second.id),
                                 headers=HX), 409, "售后申请当前为「已退款」")


def test_two_decisions_at_once_one_wins(app, world, as_party):
    order = signed_order(app, world, {world.goods: 1})
    request = opening.open_request(order.id, world.buyer, ask(order))
    services.act(request.id, world.merchant, A.REFUSE, "不同意")
    services.act(request.id, world.buyer, A.ESCALATE, "请判定")
    first, second = as_party(world.admin), as_party(world.admin)
    decide = url(app, "aftersales.decide", request_id=request.id)
    answers = [client.post(decide, data={"ruling": ruling, "note": "理由"}, headers=HX)
               for client, ruling in ((first, "shop"), (second, "buyer"))]
    assert [a.status_code for a in answers] == [200, 409]
    assert db.session.get(AfterSale, request.id).status is S.CLOSED


def test_the_shops_list_counts_down_and_pages(app, world, as_party, clock):
    order = signed_order(app, world, {world.goods: 30})
    start = order.proof.signed_at + timedelta(minutes=5)
    made = []
    for i in range(22):
        clock.set(start + timedelta(minutes=i))
        made.append(opening.open_request(order.id, world.buyer, ask(order, {0: 1})))
    clock.set(start + timedelta(hours=47, minutes=30))
    shop = as_party(world.merchant)
    text = assert_page(shop.get(url(app, "aftersales.shop_list")), "after-sales-list")
    assert text.index(f"售后 #{made[0].id}<") < text.index(f"售后 #{made[1].id}<")
    assert "还剩 30 分钟" in text and "更多售后" in text
    assert f"售后 #{made[-1].id}<" not in text
    english = shop.get(url(app, "aftersales.shop_list"), headers=EN).text
    assert "30 min left" in english
    clock.set(start + timedelta(hours=48))  # the first one's deadline: agreed by its silence
    text = shop.get(url(app, "aftersales.shop_list")).text
    assert f"售后 #{made[0].id}<" not in text
    assert db.session.get(AfterSale, made[0].id).status is S.REFUNDED
    everything = shop.get(url(app, "aftersales.shop_list", tab="all")).text
    assert f"售后 #{made[-1].id}<" in everything


@pytest.mark.parametrize("endpoint", ["new", "detail", "shop_list", "admin_queue", "admin_case"])
def test_english_pages_have_no_chinese_of_ours(app, world, as_party, _cache, endpoint):
    if "english" not in _cache:
        order = signed_order(app, world, {world.goods: 2})
        request = opening.open_request(order.id, world.buyer, ask(order, photos=1))
        services.act(request.id, world.merchant, A.REFUSE, "Nope")
        _cache["english"] = (order, request)
    order, request = _cache["english"]
    who, values = {"new": ("buyer", {"order_id": order.id}),
                   "detail": ("buyer", {"request_id": request.id}),
                   "shop_list": ("merchant", {"tab": "all"}),
                   "admin_queue": ("admin", {}),
                   "admin_case": ("admin", {"request_id": request.id})}[endpoint]
    text = as_party(getattr(world, who)).get(url(app, f"aftersales.{endpoint}", **values),
                                             headers=EN).text
    shown = re.sub(r"<[^>]+>", " ", text)
    # The products, shop and people are named in Chinese (data, not text of ours), and the
    # language switch names Chinese in Chinese.
    data = {world.goods.title, world.fresh.title, world.shop.name, "张三", "建国路", "中文"}
    found = [w for w in CJK.findall(shown) if not any(w in d for d in data)]
    assert not found, set(found)
