"""Words for the figures' keys in the reader's language: who called orders off, the reasons
given at the door and for after-sales, the payment methods."""
from __future__ import annotations

from flask_babel import gettext

from webapp.aftersales.policy import REASONS as AFTER_SALE_REASONS
from webapp.i18n import N_
from webapp.models.order import PAYMENT_LABELS, EventKind, PaymentMethod

CALLED_OFF_LABELS = {
    EventKind.REFUSED_BY_SHOP: N_("商家拒单"),
    EventKind.CANCELLED_BY_BUYER: N_("买家取消"),
    EventKind.CANCELLED_BY_SHOP: N_("商家取消"),
    EventKind.EXPIRED: N_("超时未接单"),
    EventKind.TAKEN_BACK: N_("配送失败后退回"),
    EventKind.FAILURE_EXPIRED: N_("配送失败无人处理，已退回"),
}


def called_off(kind: str) -> str:
    return gettext(CALLED_OFF_LABELS[EventKind(kind)])


def door_reason(reason: str) -> str:
    """A reason picked at the door is stored in the source language: translate it as it is."""
    return gettext(reason) if reason else gettext("未填写原因")


def after_sale_reason(code: str) -> str:
    return gettext(AFTER_SALE_REASONS[code]) if code in AFTER_SALE_REASONS else code


def payment(method: str) -> str:
    return gettext(PAYMENT_LABELS[PaymentMethod(method)])
