"""The shops' accounts the development gateways know: `flask seed-demo` gives the demo shop these
(approved), and the gateways of `make run` and of the tests take payments for them."""
from __future__ import annotations

from webapp.payments.channels import ShopAccount

ALIPAY_SHOP = ShopAccount(merchant_id="2088000000000101", auth_token="202601BBdevshoptoken0101")
WECHAT_SHOP = ShopAccount(merchant_id="1900000101")
