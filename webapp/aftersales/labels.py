"""How after-sales statuses, kinds, actions and history read (msgids; the pages translate)."""
from __future__ import annotations

from webapp.aftersales.door_state import DoorMethod, DoorRefund
from webapp.aftersales.state import Action, Kind, Status
from webapp.i18n import N_

S, A = Status, Action

STATUS_LABELS = {
    S.REQUESTED: N_("待商家处理"), S.REFUSED: N_("商家已拒绝"), S.ESCALATED: N_("平台处理中"),
    S.AWAITING_RETURN: N_("待买家退货"), S.RETURNING: N_("待商家收货"), S.REFUNDED: N_("已退款"),
    S.CLOSED: N_("已关闭"), S.WITHDRAWN: N_("已撤回"),
}
KIND_LABELS = {Kind.REFUND_ONLY: N_("仅退款"), Kind.RETURN_REFUND: N_("退货退款")}
ACTION_LABELS = {
    A.AGREE: N_("同意"), A.REFUSE: N_("拒绝"), A.ESCALATE: N_("申请平台介入"),
    A.RULE_FOR_BUYER: N_("支持买家"), A.RULE_FOR_SHOP: N_("支持商家"), A.SHIP: N_("寄回商品"),
    A.RECEIVE: N_("确认收货并退款"), A.WITHDRAW: N_("撤回申请"), A.TIMEOUT: N_("超时处理"),
}
# What the clock-driven step says, by the status it left.
TIMEOUT_WORDS = {
    S.REQUESTED: N_("商家超时未处理，视为同意"),
    S.REFUSED: N_("未在期限内申请平台介入，已关闭"),
    S.AWAITING_RETURN: N_("未在期限内寄回商品，已关闭"),
    S.RETURNING: N_("商家超时未确认收货，视为已收到"),
}
HISTORY_WORDS = {
    None: N_("买家提交申请"), A.AGREE: N_("商家同意"), A.REFUSE: N_("商家拒绝"),
    A.ESCALATE: N_("买家申请平台介入"), A.RULE_FOR_BUYER: N_("平台判定支持买家"),
    A.RULE_FOR_SHOP: N_("平台判定支持商家"), A.SHIP: N_("买家已寄回商品"),
    A.RECEIVE: N_("商家确认收货"), A.WITHDRAW: N_("买家撤回申请"),
}
# Who has to act in each open status, as the deadline line says it.
WAITING_ON = {
    S.REQUESTED: N_("商家须在 %(time)s 前处理，逾期视为同意"),
    S.REFUSED: N_("可在 %(time)s 前申请平台介入"),
    S.AWAITING_RETURN: N_("请在 %(time)s 前寄回商品"),
    S.RETURNING: N_("商家须在 %(time)s 前确认收货，逾期视为已收到"),
}
# A refund owed at the door (webapp/aftersales/door_state.py): how the shop's list and the
# order's page say it, and how the shop says it paid it back.
DOOR_REFUND_LABELS = {DoorRefund.OWED: N_("待退款"), DoorRefund.PAID: N_("商家称已退还")}
DOOR_METHOD_LABELS = {DoorMethod.CASH: N_("现金"), DoorMethod.TRANSFER: N_("转账")}
