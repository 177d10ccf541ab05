"""Every kind of notification, worded in the reader's language when shown: a notification is
stored as its kind and parameters (like an order's events), never as a sentence.

KINDS: kind -> (title, body, who reads it, whether SMS may carry it). SMS is only for the few
that must not be missed: a new order for the shop, the courier arriving for the buyer."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flask_babel import gettext

from webapp.i18n import N_
from webapp.models import EventKind, OrderEvent
from webapp.orders.events import describe
from webapp.web import yuan


class Kind(StrEnum):
    ORDER_PLACED = "order_placed"
    QUOTE_ACCEPTED = "quote_accepted"
    ORDER_ACCEPTED = "order_accepted"
    ORDER_DISPATCHED = "order_dispatched"
    ORDER_ARRIVING = "order_arriving"
    ORDER_ARRIVED = "order_arrived"
    ORDER_SIGNED = "order_signed"
    DEMAND_POSTED = "demand_posted"
    AFTER_SALE = "after_sale"
    CHAT_MESSAGE = "chat_message"
    LICENCE_EXPIRING = "licence_expiring"


@dataclass(frozen=True)
class Wording:
    title: str
    body: str
    reader: str  # N_ label of who gets it, for the settings page
    sms: bool = False


SHOP, BUYER, BOTH = N_("商家"), N_("买家"), N_("买家和商家")
KINDS: dict[Kind, Wording] = {
    Kind.ORDER_PLACED: Wording(N_("新订单 #%(order)s"), N_("%(amount)s，请尽快接单"), SHOP, sms=True),
    Kind.QUOTE_ACCEPTED: Wording(N_("买家接受了你的报价 #%(quote)s"),
                                 N_("已生成订单 #%(order)s，请尽快接单"), SHOP, sms=True),
    Kind.ORDER_ACCEPTED: Wording(N_("商家已接单"), N_("订单 #%(order)s 正在备货"), BUYER),
    Kind.ORDER_DISPATCHED: Wording(N_("骑手已取货"), N_("订单 #%(order)s 正在配送"), BUYER),
    Kind.ORDER_ARRIVING: Wording(N_("骑手即将送达"), N_("订单 #%(order)s 的骑手已在附近，请准备收货"),
                                 BUYER, sms=True),
    Kind.ORDER_ARRIVED: Wording(N_("骑手已送达"), N_("订单 #%(order)s 的骑手已到门口"), BUYER),
    Kind.ORDER_SIGNED: Wording(N_("订单已签收"), N_("订单 #%(order)s 已签收"), BUYER),
    Kind.DEMAND_POSTED: Wording(N_("附近有新需求"), N_("%(title)s"), SHOP),
    Kind.AFTER_SALE: Wording(N_("售后 #%(request)s 有新进展"), "", BOTH),
    Kind.CHAT_MESSAGE: Wording(N_("%(name)s 发来新消息"), N_("%(text)s"), BOTH),
    Kind.LICENCE_EXPIRING: Wording(
        N_("%(licence)s将于 %(date)s 到期"),
        N_("还剩 %(days)s 天。请尽快上传新证件，到期后相关类目的商品会自动对买家隐藏。"), SHOP),
}
# What the settings page calls each kind.
LABELS: dict[Kind, str] = {
    Kind.ORDER_PLACED: N_("新订单"), Kind.QUOTE_ACCEPTED: N_("报价被接受"),
    Kind.ORDER_ACCEPTED: N_("商家接单"), Kind.ORDER_DISPATCHED: N_("骑手取货出发"),
    Kind.ORDER_ARRIVING: N_("骑手即将送达"), Kind.ORDER_ARRIVED: N_("骑手已送达"),
    Kind.ORDER_SIGNED: N_("订单签收"), Kind.DEMAND_POSTED: N_("附近的新需求"),
    Kind.AFTER_SALE: N_("售后进展"), Kind.CHAT_MESSAGE: N_("聊天消息"),
    Kind.LICENCE_EXPIRING: N_("许可证到期提醒"),
}
CHANNELS = ("push", "sms")


def sms_allowed(kind: Kind) -> bool:
    return KINDS[kind].sms


def default_on(kind: Kind, channel: str) -> bool:
    """Push is on for every kind until turned off; SMS only for the kinds that allow it."""
    return channel == "push" or (channel == "sms" and KINDS[kind].sms)


def worded(kind: str, params: dict) -> tuple[str, str]:
    """The title and body in the current language; an unknown kind or odd parameters never
    raise (a kind removed since reads as a plain notice)."""
    try:
        wording = KINDS[Kind(kind)]
    except ValueError:
        return gettext("通知"), ""
    params = params if isinstance(params, dict) else {}
    words = {key: str(value) for key, value in params.items()}
    # The app's own words among the parameters (webapp/notifications/events.chat_message).
    for key in params.get("worded", ()) if isinstance(params.get("worded"), list) else ():
        if isinstance(params.get(key), str):
            words[key] = gettext(params[key])
    if isinstance(params.get("amount_fen"), int):
        words["amount"] = yuan(params["amount_fen"])
    title = _fill(wording.title, words)
    if kind == Kind.AFTER_SALE:
        return title, _step(params)
    return title, _fill(wording.body, words)


def _fill(message: str, words: dict[str, str]) -> str:
    class Missing(dict):
        def __missing__(self, key):
            return ""
    return gettext(message) % Missing(words) if message else ""


def _step(params: dict) -> str:
    """An after-sales step reads as the order's history words it (webapp/orders/events.py)."""
    try:
        kind = EventKind(str(params.get("step")))
    except ValueError:
        return ""
    return describe(OrderEvent(kind=kind, params=params))
