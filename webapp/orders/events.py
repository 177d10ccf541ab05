"""An order's history: each event is stored as a kind and its parameters (as Saleor's
`OrderEvent(type, parameters)`), never as a sentence, and worded here in the reader's language.

Parameters hold facts: amounts in fen, a payment method's code, a reason as the message it was
picked from (translated when shown; a merchant's own words stay as typed), a person's name.
"""
from __future__ import annotations

import re
from datetime import datetime

from flask_babel import gettext

from webapp.aftersales.labels import DOOR_METHOD_LABELS
from webapp.i18n import N_
from webapp.models.order import PAYMENT_LABELS, EventKind, OrderEvent
from webapp.models.user import DELETED_NAME, shown_deleted_name
from webapp.orders.reasons import ARRIVE_REASONS, FAIL_REASONS, REJECT_REASONS
from webapp.payments.state import CHANNEL_LABELS, REFUND_REASONS
from webapp.web import local_time, yuan

K = EventKind

# The events that record the signer's name at the door (params["name"]), erased with the
# account that bought or signed (webapp/me/deletion.py).
SIGNER_EVENTS = frozenset({K.SIGNED, K.SIGNED_WITH_REFUSALS, K.REFUSED_AT_DOOR})

# kind -> (the wording, the wording when the event's optional detail is there). The detail is
# the parameter named in OPTIONAL; everything else a wording names is always recorded.
WORDING: dict[EventKind, tuple[str, str | None]] = {
    K.PLACED: (N_("买家下单"), None),
    K.PLACED_FROM_QUOTE: (N_("买家接受报价 #%(quote)s 下单"), None),
    K.ACCEPTED: (N_("商家已接单"), None),
    K.REFUSED_BY_SHOP: (N_("商家拒单"), N_("商家拒单：%(reason)s")),
    K.CANCELLED_BY_BUYER: (N_("买家取消了订单"), N_("买家取消了订单：%(reason)s")),
    K.CANCELLED_BY_SHOP: (N_("商家取消了订单"), N_("商家取消了订单：%(reason)s")),
    K.EXPIRED: (N_("商家超时未接单，已自动取消"), None),
    K.ASSIGNED: (N_("已派单给骑手 %(courier)s"), None),
    K.STARTED: (N_("骑手已取货，开始配送"), None),
    K.ARRIVED: (N_("骑手已送达"), None),
    K.FAILED: (N_("配送失败：%(reason)s"), N_("配送失败：%(reason)s（%(note)s）")),
    K.SIGNED: (N_("%(name)s 已签收"), None),
    K.SIGNED_WITH_REFUSALS: (N_("%(name)s 已签收；拒收 %(n)s 项，不收 %(amount)s"), None),
    K.REFUSED_AT_DOOR: (N_("%(name)s 拒收全部商品，不收 %(amount)s"), None),
    K.PAID: (N_("已收款：%(method)s %(amount)s"),
             N_("已收款：%(method)s %(amount)s（已扣除拒收 %(refused)s）")),
    K.PAID_ONLINE: (N_("已在线付款：%(channel)s %(amount)s"),
                    N_("已在线付款：%(channel)s %(amount)s，交易号 %(transaction)s")),
    K.PAYMENT_EXPIRED: (N_("超时未付款，已自动取消"), None),
    K.REFUND_OWED: (N_("应退款 %(amount)s：%(reason)s"), None),
    K.REFUNDED: (N_("已退款 %(amount)s：%(reason)s"), None),
    K.REFUND_FAILED: (N_("退款 %(amount)s 暂未成功，平台会人工处理"), None),
    K.RESCHEDULED_BY_BUYER: (N_("买家改约送达时间：%(window)s"), None),
    K.RESCHEDULED_BY_SHOP: (N_("商家改约送达时间：%(window)s"), None),
    K.TAKEN_BACK: (N_("配送失败，商家已收回商品，订单结束"), None),
    K.FAILURE_EXPIRED: (N_("配送失败后 %(hours)s 小时内无人处理，订单已自动结束，商品退回商家"), None),
    K.RETURN_OPENED: (N_("%(n)s 件商品由骑手带回商家，商家收货后恢复库存"), None),
    K.RETURN_RESTOCKED: (N_("商家已收到退回的 %(n)s 件商品，已恢复库存"), None),
    K.RETURN_WRITTEN_OFF: (N_("商家已收到退回的 %(n)s 件商品，无法再售，未恢复库存"), None),
    K.DEMAND_REOPENED: (N_("需求 #%(demand)s 已重新开放，仍有效的报价可再选择"), None),
    K.RECEIPT_CODE_WRONG: (N_("骑手输入的收货码不正确，还可以再试 %(left)s 次"), None),
    K.RECEIPT_CODE_LOCKED: (N_("收货码已错误 %(n)s 次，本单只能在买家本人的手机上签收"), None),
    K.HANDED_OVER: (N_("商家已在店内交货，请买家验货签收"), None),
    K.PICKED_UP: (N_("买家已到店取货（取货码核对无误）"), None),
}
# An arrival is worded by its distance check (webapp/delivery/arrival.py); one recorded before
# the check has none and reads as K.ARRIVED's plain wording.
ARRIVAL_WORDING = {
    "near": N_("骑手已送达（距收货位置 %(distance_m)s 米）"),
    "far": N_("骑手已送达，距收货位置 %(distance_m)s 米：%(reason)s"),
    "stale": N_("骑手已送达，最新定位为 %(minutes)s 分钟前：%(reason)s"),
    "no_position": N_("骑手已送达，没有定位：%(reason)s"),
    "no_pin": N_("骑手已送达（收货地址未标记位置，未核对距离）"),
}
OPTIONAL = {K.REFUSED_BY_SHOP: "reason", K.CANCELLED_BY_BUYER: "reason",
            K.CANCELLED_BY_SHOP: "reason", K.FAILED: "note", K.PAID: "refused_fen",
            K.PAID_ONLINE: "transaction"}
REFUND_KINDS = frozenset({K.REFUND_OWED, K.REFUNDED, K.REFUND_FAILED})
# Kinds whose reason is stored as a code of one of these lists.
CODED_REASONS = {K.FAILED: FAIL_REASONS, K.ARRIVED: ARRIVE_REASONS,
                 **dict.fromkeys(REFUND_KINDS, REFUND_REASONS)}
# After-sales (webapp/aftersales): each step names its request's number; a refusal's note is
# the shop's own words.
WORDING.update({
    K.AFTER_SALE_OPENED: (N_("买家申请售后 #%(request)s，金额 %(amount)s"), None),
    K.AFTER_SALE_AGREED: (N_("商家同意售后 #%(request)s"),
                          N_("商家超时未处理，售后 #%(request)s 视为同意")),
    K.AFTER_SALE_REFUSED: (N_("商家拒绝售后 #%(request)s：%(note)s"), None),
    K.AFTER_SALE_ESCALATED: (N_("买家申请平台介入售后 #%(request)s"), None),
    K.AFTER_SALE_FOR_BUYER: (N_("平台判定售后 #%(request)s 支持买家"), None),
    K.AFTER_SALE_FOR_SHOP: (N_("平台判定售后 #%(request)s 支持商家，申请关闭"), None),
    K.AFTER_SALE_SHIPPED: (N_("买家已寄回售后 #%(request)s 的商品"), None),
    K.AFTER_SALE_RECEIVED: (N_("商家已收到售后 #%(request)s 退回的商品"),
                            N_("商家超时未确认收货，售后 #%(request)s 视为已收到")),
    K.AFTER_SALE_WITHDRAWN: (N_("买家撤回了售后 #%(request)s"), None),
    K.AFTER_SALE_CLOSED: (N_("售后 #%(request)s 超过期限，已关闭"), None),
    # What the shop says, not what the platform saw: the money went back outside it.
    K.AFTER_SALE_DOOR_REFUNDED: (N_("商家称已退还售后 #%(request)s 的 %(amount)s（%(way)s）"), None),
})
OPTIONAL.update({K.AFTER_SALE_AGREED: "timeout", K.AFTER_SALE_RECEIVED: "timeout"})


def translated(message: str | None) -> str:
    """A stored message id (a picked reason, a label) in the reader's language; text typed by a
    person comes back as it is. Empty stays empty (gettext("") is the catalog's header)."""
    return gettext(message) if message else ""


def reason_text(reason: str | None, note: str | None = None) -> str:
    """A rejected line's reason and the buyer's words: "Damaged: both boxes crushed".

    Before migration 0008 both were one string ("商品破损：压坏了"), as proofs signed then still
    hold; such a string is split at its first "：" when the part before it is a known reason.
    """
    reason = reason or ""
    if note is None:
        head, colon, rest = reason.partition("：")
        if colon and head in REJECT_REASONS:
            reason, note = head, rest
    words = translated(reason)
    return f"{words}{gettext('：')}{note}" if note else words


def _money(value) -> str:
    return yuan(value) if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _words(kind: EventKind, params: dict) -> dict[str, str]:
    """The parameters as the reader sees them: money in yuan, codes and picked reasons worded."""
    # A person whose account was deleted (webapp/me/deletion.py): the courier, the signer.
    erasable = {"courier", "name"} if kind in SIGNER_EVENTS else {"courier"}
    words = {key: shown_deleted_name() if key in erasable and value == DELETED_NAME else str(value)
             for key, value in params.items()}
    for key in ("amount_fen", "refused_fen"):
        if key in params:
            words[key.removesuffix("_fen")] = _money(params[key])
    if "method" in params:
        words["method"] = translated(PAYMENT_LABELS.get(params["method"], str(params["method"])))
    if "reason" in params:
        reason = str(params["reason"])
        # Only a failure's, an arrival's or a refund's reason is a code; a shop's typed reason
        # "absent" stays as typed.
        words["reason"] = translated(CODED_REASONS.get(kind, {}).get(reason, reason))
    if "way" in params:
        words["way"] = translated(DOOR_METHOD_LABELS.get(str(params["way"]), str(params["way"])))
    if "age_s" in params:
        words["minutes"] = str(max(1, int(params["age_s"]) // 60))
    if "start" in params and "end" in params:
        words["window"] = _window(params["start"], params["end"])
    if "channel" in params:
        words["channel"] = translated(CHANNEL_LABELS.get(str(params["channel"]),
                                                         str(params["channel"])))
    return words


def _window(start, end) -> str:
    """A delivery window kept as two ISO times (UTC), in the reader's time zone: 12-08 09:00–11:00."""
    try:
        begin, finish = datetime.fromisoformat(str(start)), datetime.fromisoformat(str(end))
    except ValueError:
        return f"{start}–{end}"
    return f"{local_time(begin, '%m-%d %H:%M')}–{local_time(finish, '%H:%M')}"


def describe(event: OrderEvent) -> str:
    """What `event` says, in the current request's language; never raises on odd parameters."""
    kind = EventKind(event.kind)
    plain, detailed = WORDING[kind]
    params = event.params if isinstance(event.params, dict) else {}
    if detailed is not None and params.get(OPTIONAL[kind]):
        plain = detailed
    if kind is K.ARRIVED:
        plain = ARRIVAL_WORDING.get(str(params.get("check")), plain)
    if "text" in params:
        # A sentence migration 0008 could not read: shown as it was stored, after the wording
        # when that names nothing it would miss.
        text = str(params["text"])
        return f"{gettext(plain)}{gettext('：')}{text}" if "%(" not in plain and text else text
    words = _words(kind, params)
    # A wording names only what its kind records; a missing fact reads as empty, never a crash.
    return gettext(plain, **{key: words.get(key, "") for key in _names(plain)})


def _names(message: str) -> list[str]:
    return re.findall(r"%\((\w+)\)s", message)
