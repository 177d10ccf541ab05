"""The reasons people pick from when an order goes wrong. Each is stored as it is (Chinese, the
source language) and shown translated, like any other message."""
from __future__ import annotations

from webapp.i18n import N_

# Why an order is called off: the merchant must give one (the buyer was promised the goods),
# the buyer may.
BUYER_CANCEL_REASONS = (N_("不想要了"), N_("地址或时间填错了"), N_("等待太久"), N_("其他"))
MERCHANT_CANCEL_REASONS = (N_("商品缺货"), N_("无法按时配送"), N_("买家要求取消"), N_("其他"))

# Why a delivery could not be completed: the courier picks one; the shop reads it to decide.
FAIL_REASONS = {"absent": N_("收件人不在"), "wrong_address": N_("地址错误"), "refused": N_("买家拒收"),
                "damaged": N_("货物损坏")}

# Why the courier marks an order arrived away from its address pin, or without a recent
# position: one of these, or the courier's own words.
ARRIVE_REASONS = {"pin_off": N_("地址定位不准"), "weak_signal": N_("室内或地下，定位信号弱"),
                  "met_nearby": N_("收件人到附近接货")}

# Why a line is rejected at the door: the buyer picks one and may add a few words.
REJECT_REASONS = (N_("商品破损"), N_("数量或规格不符"), N_("质量问题"), N_("与描述不符"), N_("其他"))
