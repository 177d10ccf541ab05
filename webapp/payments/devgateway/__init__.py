"""Development payment gateways: Alipay's and WeChat Pay's protocols spoken on 127.0.0.1, with
throw-away keys, so the real SDKs can be run (by the tests, and by `make run` without
credentials) with nothing leaving the machine. No real money moves; refused in production.

    keys = DevKeys()
    with Running(AlipayGateway(keys)) as alipay, Running(WechatPayGateway(keys)) as wechat:
        config = keys.app_config(alipay_url=alipay.url + "/gateway.do",
                                 wechatpay_url=wechat.url, cert_dir=folder)
"""
from __future__ import annotations

from webapp.payments.devgateway.alipay import AlipayGateway
from webapp.payments.devgateway.common import (
    BAD_SIGNATURE,
    UNAVAILABLE,
    Delivery,
    Running,
    refuse_in_production,
)
from webapp.payments.devgateway.keys import DevKeys
from webapp.payments.devgateway.wechatpay import WechatPayGateway

__all__ = ["AlipayGateway", "WechatPayGateway", "DevKeys", "Running", "Delivery", "BAD_SIGNATURE",
           "UNAVAILABLE", "refuse_in_production"]
