"""What a text message may say: a one-time code for a purpose, or a notice of a kind.

Each notice kind names the setting that holds its template id at the provider (templates are
approved there, with their sign name, before they can be sent) and its parameters in the
template's order. The text here is what the development provider writes to the log; the
provider's approved template is what a phone receives."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CodePurpose(StrEnum):
    REGISTER = "register"
    LOGIN = "login"
    RESET = "reset"
    MOBILE = "mobile"  # a new number for an account (我的 → 更换手机号, webapp/me/contact.py)


class NoticeKind(StrEnum):
    ORDER_PLACED = "order_placed"            # to the shop: a new order to accept
    ORDER_ARRIVING = "order_arriving"        # to the buyer: the courier is close
    DELIVERY_FAILED = "delivery_failed"      # to the buyer: the courier could not hand it over
    AFTERSALE_UPDATED = "aftersale_updated"  # to the buyer or shop: an after-sales step


@dataclass(frozen=True)
class Template:
    setting: str              # the config/environment name holding the provider's template id
    params: tuple[str, ...]   # parameter names, in the template's order ({1}, {2} …)
    text: str                 # the wording, for the development provider's log


# One template for every code: "您的验证码为{1}，{2}分钟内有效，请勿泄露。"
CODE_TEMPLATE = Template("SMS_TEMPLATE_CODE", ("code", "minutes"),
                         "您的验证码为{code}，{minutes}分钟内有效，请勿泄露。")

NOTICES: dict[NoticeKind, Template] = {
    NoticeKind.ORDER_PLACED: Template("SMS_TEMPLATE_ORDER_PLACED", ("order_no",),
                                      "您的店铺有新订单{order_no}，请尽快接单。"),
    NoticeKind.ORDER_ARRIVING: Template("SMS_TEMPLATE_ORDER_ARRIVING", ("order_no",),
                                        "您的订单{order_no}即将送达，请留意接收。"),
    NoticeKind.DELIVERY_FAILED: Template("SMS_TEMPLATE_DELIVERY_FAILED", ("order_no",),
                                         "您的订单{order_no}未能送达，请打开应用查看处理方式。"),
    NoticeKind.AFTERSALE_UPDATED: Template("SMS_TEMPLATE_AFTERSALE_UPDATED", ("order_no",),
                                           "订单{order_no}的售后有新进展，请打开应用查看。"),
}


def ordered_params(template: Template, params: dict) -> list[str]:
    """The template's parameters in its order, as strings; a missing or unexpected one is refused
    (a template with the wrong number of parameters is refused by the provider only after the
    network call)."""
    if set(params) != set(template.params):
        raise ValueError(f"{template.setting} takes {template.params}, got {tuple(sorted(params))}")
    return [str(params[name]) for name in template.params]
