"""Online payments through WeChat Pay and Alipay in partner mode (issue 18): the channel
clients (`alipay`, `wechatpay`) behind one interface (`channels`), their settings, and a
development gateway speaking both protocols (`devgateway`)."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint

from webapp.payments.alipay import AlipayChannel
from webapp.payments.channels import Channel
from webapp.payments.settings import load
from webapp.payments.wechatpay import WechatPayChannel

bp = Blueprint("payments", __name__)


def configured_channels(config: Mapping) -> dict[str, Channel]:
    """The channels whose settings are present, by name ("alipay", "wechat"); none without
    settings. Makes no network call (WeChat Pay's SDK client is made on first use)."""
    settings = load(config)
    found: dict[str, Channel] = {}
    if settings.alipay is not None:
        found[AlipayChannel.name] = AlipayChannel(settings.alipay)
    if settings.wechatpay is not None:
        found[WechatPayChannel.name] = WechatPayChannel(settings.wechatpay)
    return found
