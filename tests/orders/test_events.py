"""Every kind of order event, as the order's history shows it, in both languages: stored as a
kind and parameters, worded by the page (no Chinese on the English page, no raw code on either)."""
from __future__ import annotations

import html
import re

import pytest
from flask_babel import refresh

from tests.support.helpers import url
from webapp.extensions import db
from webapp.models import EventKind, OrderEvent, Status
from webapp.orders.events import describe, reason_text

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

# kind -> (parameters as the services record them, the Chinese line, the English line)
EVENTS = {
    EventKind.PLACED: ({}, "买家下单", "Order placed by the buyer"),
    EventKind.PLACED_FROM_QUOTE: ({"quote": 12}, "买家接受报价 #12 下单",
                                  "Order placed by the buyer from quote #12"),
    EventKind.ACCEPTED: ({}, "商家已接单", "Accepted by the shop"),
    EventKind.REFUSED_BY_SHOP: ({"reason": "商品缺货"}, "商家拒单：商品缺货",
                                "Refused by the shop: Out of stock"),
    EventKind.CANCELLED_BY_BUYER: ({"reason": "不想要了"}, "买家取消了订单：不想要了",
                                   "Cancelled by the buyer: No longer needed"),
    EventKind.CANCELLED_BY_SHOP: ({"reason": "无法按时配送"}, "商家取消了订单：无法按时配送",
                                  "Cancelled by the shop: Cannot deliver on time"),
    EventKind.EXPIRED: ({}, "商家超时未接单，已自动取消",
                        "The shop did not accept in time; cancelled automatically"),
    EventKind.ASSIGNED: ({"courier": "Wang Wu"}, "已派单给骑手 Wang Wu",
                         "Assigned to courier Wang Wu"),
    EventKind.STARTED: ({}, "骑手已取货，开始配送", "Picked up by the courier, on the way"),
    EventKind.ARRIVED: ({}, "骑手已送达", "The courier has arrived"),
    EventKind.FAILED: ({"reason": "absent", "note": "door locked"},
                       "配送失败：收件人不在（door locked）",  # one colon, not two
                       "Delivery failed: Recipient not there (door locked)"),
    EventKind.SIGNED: ({"name": "Li Lei"}, "Li Lei 已签收", "Signed for by Li Lei"),
    EventKind.SIGNED_WITH_REFUSALS: (
        {"name": "Li Lei", "n": 1, "amount_fen": 1600}, "Li Lei 已签收；拒收 1 项，不收 ¥16.00",
        "Signed for by Li Lei; 1 refused, ¥16.00 not charged"),
    EventKind.REFUSED_AT_DOOR: ({"name": "Li Lei", "amount_fen": 3350},
                                "Li Lei 拒收全部商品，不收 ¥33.50",
                                "Everything refused by Li Lei, ¥33.50 not charged"),
    EventKind.PAID: ({"method": "cod", "amount_fen": 1750, "refused_fen": 1600},
                     "已收款：货到付款（现金） ¥17.50（已扣除拒收 ¥16.00）",
                     "Paid: Cash on delivery ¥17.50 (less ¥16.00 refused)"),
    EventKind.PAID_ONLINE: ({"channel": "alipay", "amount_fen": 6580, "transaction": "2026120722001"},
                            "已在线付款：支付宝 ¥65.80，交易号 2026120722001",
                            "Paid online: Alipay ¥65.80, transaction 2026120722001"),
    EventKind.PAYMENT_EXPIRED: ({}, "超时未付款，已自动取消",
                                "Not paid in time, cancelled automatically"),
    EventKind.REFUND_OWED: ({"amount_fen": 1600, "reason": "rejected_lines"},
                            "应退款 ¥16.00：签收时拒收的商品",
                            "Refund of ¥16.00 owed: items refused at delivery"),
    EventKind.REFUNDED: ({"amount_fen": 6580, "reason": "late_payment"},
                         "已退款 ¥65.80：订单过期后才付款", "Refunded ¥65.80: paid after the order expired"),
    EventKind.REFUND_FAILED: ({"amount_fen": 6580, "reason": "cancelled"},
                              "退款 ¥65.80 暂未成功，平台会人工处理",
                              "The refund of ¥65.80 did not go through yet; the platform will handle it"),
    # Issue 19: a failed delivery rescheduled, taken back or left to expire; the goods coming back.
    EventKind.RESCHEDULED_BY_BUYER: ({"start": "2026-12-08T01:00:00", "end": "2026-12-08T03:00:00"},
                                     "买家改约送达时间：12-08 09:00–11:00",
                                     "The buyer rescheduled the delivery: 12-08 09:00–11:00"),
    EventKind.RESCHEDULED_BY_SHOP: ({"start": "2026-12-08T05:00:00", "end": "2026-12-08T07:00:00"},
                                    "商家改约送达时间：12-08 13:00–15:00",
                                    "The shop rescheduled the delivery: 12-08 13:00–15:00"),
    EventKind.TAKEN_BACK: ({}, "配送失败，商家已收回商品，订单结束",
                           "Delivery failed; the shop took the goods back and ended the order"),
    EventKind.FAILURE_EXPIRED: (
        {"hours": 48}, "配送失败后 48 小时内无人处理，订单已自动结束，商品退回商家",
        "Nobody acted within 48 hours of the failed delivery; the order ended automatically and "
        "the goods go back to the shop"),
    EventKind.RETURN_OPENED: ({"n": 2}, "2 件商品由骑手带回商家，商家收货后恢复库存",
                              "2 item(s) going back to the shop with the courier; back in stock "
                              "once the shop has them"),
    EventKind.RETURN_RESTOCKED: ({"n": 2}, "商家已收到退回的 2 件商品，已恢复库存",
                                 "The shop received the 2 returned item(s); back in stock"),
    EventKind.RETURN_WRITTEN_OFF: ({"n": 1}, "商家已收到退回的 1 件商品，无法再售，未恢复库存",
                                   "The shop received the 1 returned item(s); not fit to sell, "
                                   "not restocked"),
    EventKind.DEMAND_REOPENED: ({"demand": 7}, "需求 #7 已重新开放，仍有效的报价可再选择",
                                "Request #7 is open again; the quotes still valid can be chosen"),
    # Wrong receipt codes on the courier's phone (the code itself is never recorded).
    EventKind.RECEIPT_CODE_WRONG: ({"left": 3}, "骑手输入的收货码不正确，还可以再试 3 次",
                                   "Wrong receipt code entered on the courier's phone; 3 tries left"),
    EventKind.RECEIPT_CODE_LOCKED: ({"n": 5}, "收货码已错误 5 次，本单只能在买家本人的手机上签收",
                                    "Receipt code wrong 5 times: this order can now be signed only "
                                    "on the buyer's own phone"),
    # Issue 21: an order collected at the shop (webapp/orders/pickup.py).
    EventKind.HANDED_OVER: ({}, "商家已在店内交货，请买家验货签收",
                            "Handed over at the shop: the buyer inspects and signs"),
    EventKind.PICKED_UP: ({}, "买家已到店取货（取货码核对无误）",
                          "Picked up at the shop (pickup code checked)"),
    # Issue 19: an after-sales request's steps, as webapp/aftersales/moves.py records them.
    EventKind.AFTER_SALE_OPENED: ({"request": 3, "amount_fen": 1250}, "买家申请售后 #3，金额 ¥12.50",
                                  "Buyer made after-sales request #3 for ¥12.50"),
    EventKind.AFTER_SALE_AGREED: ({"request": 3, "timeout": 1}, "商家超时未处理，售后 #3 视为同意",
                                  "Shop did not answer in time: after-sales request #3 agreed"),
    # The shop's own words stay as typed, in any language.
    EventKind.AFTER_SALE_REFUSED: ({"request": 3, "note": "IMG_2041 shows no damage"},
                                   "商家拒绝售后 #3：IMG_2041 shows no damage",
                                   "Shop refused after-sales request #3: IMG_2041 shows no damage"),
    EventKind.AFTER_SALE_ESCALATED: ({"request": 3}, "买家申请平台介入售后 #3",
                                     "Buyer asked the platform to decide after-sales request #3"),
    EventKind.AFTER_SALE_FOR_BUYER: ({"request": 3}, "平台判定售后 #3 支持买家",
                                     "Platform decided after-sales request #3 for the buyer"),
    EventKind.AFTER_SALE_FOR_SHOP: ({"request": 3}, "平台判定售后 #3 支持商家，申请关闭",
                                    "Platform decided after-sales request #3 for the shop; closed"),
    EventKind.AFTER_SALE_SHIPPED: ({"request": 3}, "买家已寄回售后 #3 的商品",
                                   "Buyer sent back the goods of after-sales request #3"),
    EventKind.AFTER_SALE_RECEIVED: ({"request": 3, "timeout": 1}, "商家超时未确认收货，售后 #3 视为已收到",
                                    "Shop did not confirm receipt in time: after-sales request #3 "
                                    "received"),
    EventKind.AFTER_SALE_WITHDRAWN: ({"request": 3}, "买家撤回了售后 #3",
                                     "Buyer withdrew after-sales request #3"),
    EventKind.AFTER_SALE_CLOSED: ({"request": 3}, "售后 #3 超过期限，已关闭",
                                  "After-sales request #3 passed its deadline: closed"),
    EventKind.AFTER_SALE_DOOR_REFUNDED: (
        {"request": 3, "amount_fen": 5000, "way": "transfer"}, "商家称已退还售后 #3 的 ¥50.00（转账）",
        "The shop says it paid back ¥50.00 for after-sales request #3 (bank transfer)"),
}
# What the optional detail's absence reads as (a buyer may cancel without a reason).
WITHOUT_DETAIL = {
    EventKind.AFTER_SALE_AGREED: ({"request": 4}, "商家同意售后 #4", "Shop agreed to after-sales request #4"),
    EventKind.AFTER_SALE_RECEIVED: ({"request": 4}, "商家已收到售后 #4 退回的商品",
                                    "Shop received the goods of after-sales request #4"),
    EventKind.CANCELLED_BY_BUYER: ({"reason": ""}, "买家取消了订单", "Cancelled by the buyer"),
    EventKind.PAID: ({"method": "wechat", "amount_fen": 3350, "refused_fen": 0},
                     "已收款：微信扫码付 ¥33.50", "Paid: WeChat Pay (scan) ¥33.50"),
    EventKind.PAID_ONLINE: ({"channel": "wechat", "amount_fen": 3350, "transaction": ""},
                            "已在线付款：微信支付 ¥33.50", "Paid online: WeChat Pay ¥33.50"),
}
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
# A code shown raw: any kind, reason or method code, a parameter's name, a placeholder. (On the
# English page a kind that is an English word, "placed", may be part of a sentence.)
CODES = {str(kind) for kind in EventKind} | {"absent", "cod", "wechat", "amount_fen", "refused_fen",
                                             "None", "%(", "alipay", "rejected_lines",
                                             "late_payment"}
RAW_ON_ENGLISH = re.compile(r"\b(" + "|".join(sorted(
    {code for code in CODES if "_" in code or code in ("absent", "cod", "wechat", "None")})) + r")\b|%\(")


def test_every_event_kind_has_a_line_here():
    assert set(EVENTS) == set(EventKind)


@pytest.fixture
def history(world, place):
    """An order whose history holds every kind of event, in the table's order."""
    order = place(world.buyer, world.product)
    db.session.query(OrderEvent).filter_by(order_id=order.id).delete()
    for kind, (params, _zh, _en) in [*EVENTS.items(), *WITHOUT_DETAIL.items()]:
        db.session.add(OrderEvent(order_id=order.id, actor_id=world.buyer.id, kind=kind,
                                  params=params, from_status=Status.PLACED,
                                  to_status=Status.PLACED))
    db.session.commit()
    return order


def timeline(page: str) -> list[str]:
    """The history's lines as a reader sees them (tags dropped, spaces collapsed)."""
    block = re.search(r'<details class="timeline">(.*?)</details>', page, re.S).group(1)
    items = re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)
    return [" ".join(html.unescape(re.sub(r"<time>.*?</time>|<[^>]+>", " ", item)).split())
            for item in items]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_event_kind_reads_in_the_page_language(app, client, login_as, world, history,
                                                     lang):
    client.set_cookie("lang", lang)
    login_as(world.merchant)
    page = client.get(url(app, "orders.detail", order_id=history.id)).get_data(as_text=True)
    lines = timeline(page)
    column = 1 if lang == "zh_CN" else 2
    expected = [row[column] for row in [*EVENTS.values(), *WITHOUT_DETAIL.values()]]
    assert lines == expected
    for line in lines:
        if lang == "en":
            assert not CJK.search(line) and not RAW_ON_ENGLISH.search(line), line
        else:
            assert not any(code in line for code in CODES), line


# Rows as migration 0008 left them when it could not read the sentence, and odd parameters.
ODD = [
    (EventKind.ACCEPTED, {"text": "马上备货"}, "商家已接单：马上备货", "Accepted by the shop: 马上备货"),
    (EventKind.PAID, {"text": "已收款"}, "已收款", "已收款"),
    (EventKind.PAID, {"method": "card"}, "已收款：货到刷卡", "Paid: Card on delivery"),
    (EventKind.PAID, {"method": "", "amount_fen": "12", "refused_fen": 1.5},
     "已收款： 12（已扣除拒收 1.5）", "Paid:  12 (less 1.5 refused)"),
    (EventKind.REFUSED_BY_SHOP, {"reason": "absent"}, "商家拒单：absent",
     "Refused by the shop: absent"),
    (EventKind.SIGNED, [], " 已签收", "Signed for by "),
]


@pytest.mark.parametrize("kind, params, zh, en", ODD)
def test_an_odd_or_unread_event_still_reads(app, kind, params, zh, en):
    event = OrderEvent(kind=kind, params=params)
    for lang, expected in (("zh_CN", zh), ("en", en)):
        with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
            refresh()  # the locale is kept on the app context the fixture pushed
            assert describe(event).rstrip() == expected.rstrip()


@pytest.mark.parametrize("reason, note, zh, en", [
    ("商品破损", "两盒都压坏了", "商品破损：两盒都压坏了", "Damaged: 两盒都压坏了"),
    # A proof signed before 0008: the reason and the words in one string.
    ("商品破损：两盒都压坏了", None, "商品破损：两盒都压坏了", "Damaged: 两盒都压坏了"),
    ("太贵了：不要", None, "太贵了：不要", "太贵了：不要"),
    ("", "", "", ""),
])
def test_a_rejected_lines_reason_reads_in_the_page_language(app, reason, note, zh, en):
    for lang, expected in (("zh_CN", zh), ("en", en)):
        with app.test_request_context(headers={"Cookie": f"lang={lang}"}):
            refresh()
            assert reason_text(reason, note) == expected
