"""Labels kept in modules that import nothing from Flask (orders/state.py, models/order.py) are
Chinese source text, translated where they are shown (the STATUS_LABELS global, the `translate`
filter). Listed here only so `pybabel extract` finds them; tests/i18n checks the list is complete."""
from webapp.i18n.marks import N_

ORDER_STATUS = (N_("待支付"), N_("待接单"), N_("已接单"), N_("待取货"), N_("配送中"), N_("待签收"),
                N_("已完成"), N_("部分拒收"), N_("已拒收"), N_("已取消"), N_("配送失败"), N_("已退回"))
PAYMENT = (N_("货到付款（现金）"), N_("货到刷卡"), N_("微信扫码付"), N_("支付宝扫码付"),
           N_("未收款"), N_("已收款"), N_("微信支付（在线付款）"), N_("支付宝（在线付款）"),
           N_("到店付款（现金）"), N_("到店刷卡"))
# webapp/payments/state.py
PAYMENTS = (N_("微信支付"), N_("支付宝"), N_("签收时拒收的商品"), N_("订单已取消"), N_("订单过期后才付款"),
            N_("重复付款"), N_("已支付"), N_("已关闭"), N_("退款待发起"), N_("退款中"), N_("已退款"),
            N_("退款失败"), N_("售后退款"), N_("售后退款（到付订单，由商家退还）"))
# webapp/payments/state.py, issue 19
RETURNED_REFUND = (N_("配送失败，商品已退回商家"),)
BUYER_TABS = (N_("全部"),)
