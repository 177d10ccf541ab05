"""Labels kept in modules that import nothing from Flask (orders/state.py, models/order.py) are
Chinese source text, translated where they are shown (the STATUS_LABELS global, the `translate`
filter). Listed here only so `pybabel extract` finds them; tests/i18n checks the list is complete."""
from webapp.i18n.marks import N_

ORDER_STATUS = (N_("待接单"), N_("已接单"), N_("待取货"), N_("配送中"), N_("待签收"), N_("已完成"),
                N_("部分拒收"), N_("已拒收"), N_("已取消"), N_("配送失败"))
PAYMENT = (N_("货到付款（现金）"), N_("货到刷卡"), N_("微信扫码付"), N_("支付宝扫码付"),
           N_("未收款"), N_("已收款"))
BUYER_TABS = (N_("全部"),)
