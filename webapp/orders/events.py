"""An order's history: each event is stored as a kind and its parameters (as Saleor's
`OrderEvent(type, parameters)`), never as a sentence, and worded here in the reader's language.

Parameters hold facts: amounts in fen, a payment method's code, a reason as the message it was
picked from (translated when shown; a merchant's own words stay as typed), a person's name.
"""
from __future__ import annotations

import re

from flask_babel import gettext

from webapp.i18n import N_
from webapp.models.order import PAYMENT_LABELS, EventKind, OrderEvent
from webapp.orders.reasons import FAIL_REASONS, REJECT_REASONS
from webapp.payments.state import CHANNEL_LABELS, REFUND_REASONS
from webapp.web import yuan

K = EventKind

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
}
OPTIONAL = {K.REFUSED_BY_SHOP: "reason", K.CANCELLED_BY_BUYER: "reason",
            K.CANCELLED_BY_SHOP: "reason", K.FAILED: "note", K.PAID: "refused_fen",
            K.PAID_ONLINE: "transaction"}
REFUND_KINDS = frozenset({K.REFUND_OWED, K.REFUNDED, K.REFUND_FAILED})


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
    words = {key: str(value) for key, value in params.items()}
    for key in ("amount_fen", "refused_fen"):
        if key in params:
            words[key.removesuffix("_fen")] = _money(params[key])
    if "method" in params:
        words["method"] = translated(PAYMENT_LABELS.get(params["method"], str(params["method"])))
    if "reason" in params:
        reason = str(params["reason"])
        # Only a failure's reason is a code; a shop's typed reason "absent" stays as typed.
        words["reason"] = translated(FAIL_REASONS.get(reason, reason) if kind is K.FAILED
                                     else REFUND_REASONS.get(reason, reason)
                                     if kind in REFUND_KINDS else reason)
    if "channel" in params:
        words["channel"] = translated(CHANNEL_LABELS.get(str(params["channel"]),
                                                         str(params["channel"])))
    return words


def describe(event: OrderEvent) -> str:
    """What `event` says, in the current request's language; never raises on odd parameters."""
    kind = EventKind(event.kind)
    plain, detailed = WORDING[kind]
    params = event.params if isinstance(event.params, dict) else {}
    if detailed is not None and params.get(OPTIONAL[kind]):
        plain = detailed
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
