"""The payment and refund state machines: which event moves a payment or a refund from which
status. Pure Python, as webapp/orders/state.py: every status change of a `Payment` or a `Refund`
is checked here first (webapp/payments/records.py), then made with a conditional UPDATE.

A payment is created PENDING when the buyer is sent to a gateway; the gateway's verified word
(a notification or a query) makes it PAID, or CLOSED when the buyer changed channel, the order
went away unpaid or the gateway closed it. A PAID payment never goes back: money owed back is a
`Refund`, REQUESTED when owed, PROCESSING once the gateway took it, SUCCEEDED when the money is
back; a refund the gateway could not take is tried again (`attempts`) until it is FAILED, which
an admin sees.

A shop's account at a channel (`ShopPaymentAccount`) is SUBMITTED when its merchant enters or
changes it, and used for payments only once an admin APPROVED it; a REJECTED one waits for the
merchant's change. Any change goes back to SUBMITTED, so new data is never used unreviewed."""
from __future__ import annotations

from enum import StrEnum


class PaymentState(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CLOSED = "closed"


class RefundState(StrEnum):
    REQUESTED = "requested"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AccountStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class PaymentEvent(StrEnum):
    CONFIRMED = "confirmed"  # the gateway says paid
    CLOSED = "closed"        # changed channel, order gone unpaid, closed at the gateway


class RefundEvent(StrEnum):
    SENT = "sent"            # the gateway accepted the refund
    SUCCEEDED = "succeeded"  # the money is back
    RETRY = "retry"          # the gateway could not take it now, or refused it: try again
    GIVE_UP = "give_up"      # out of attempts: an admin looks at it


PAYMENT_MOVES: dict[tuple[PaymentState, PaymentEvent], PaymentState] = {
    (PaymentState.PENDING, PaymentEvent.CONFIRMED): PaymentState.PAID,
    (PaymentState.PENDING, PaymentEvent.CLOSED): PaymentState.CLOSED,
    # A payment made after it was closed here (the buyer paid on the old QR code): the money
    # arrived all the same, so it is recorded (and owed back if the order no longer wants it).
    (PaymentState.CLOSED, PaymentEvent.CONFIRMED): PaymentState.PAID,
}

REFUND_MOVES: dict[tuple[RefundState, RefundEvent], RefundState] = {
    (RefundState.REQUESTED, RefundEvent.SENT): RefundState.PROCESSING,
    (RefundState.REQUESTED, RefundEvent.SUCCEEDED): RefundState.SUCCEEDED,
    (RefundState.REQUESTED, RefundEvent.RETRY): RefundState.REQUESTED,
    (RefundState.REQUESTED, RefundEvent.GIVE_UP): RefundState.FAILED,
    (RefundState.PROCESSING, RefundEvent.SUCCEEDED): RefundState.SUCCEEDED,
    (RefundState.PROCESSING, RefundEvent.RETRY): RefundState.REQUESTED,
    (RefundState.PROCESSING, RefundEvent.GIVE_UP): RefundState.FAILED,
    # An admin sends a failed refund again once its cause is fixed.
    (RefundState.FAILED, RefundEvent.RETRY): RefundState.REQUESTED,
}

class AccountEvent(StrEnum):
    CHANGED = "changed"      # the merchant entered new data
    APPROVED = "approved"    # an admin checked it
    REJECTED = "rejected"    # an admin refused it, with a note the merchant sees


ACCOUNT_MOVES: dict[tuple[AccountStatus, AccountEvent], AccountStatus] = {
    (AccountStatus.SUBMITTED, AccountEvent.APPROVED): AccountStatus.APPROVED,
    (AccountStatus.SUBMITTED, AccountEvent.REJECTED): AccountStatus.REJECTED,
    # Corrected before the review: still waiting, the admin decides on the new data.
    (AccountStatus.SUBMITTED, AccountEvent.CHANGED): AccountStatus.SUBMITTED,
    (AccountStatus.APPROVED, AccountEvent.CHANGED): AccountStatus.SUBMITTED,
    (AccountStatus.REJECTED, AccountEvent.CHANGED): AccountStatus.SUBMITTED,
}

CHANNEL_LABELS = {"wechat": "微信支付", "alipay": "支付宝"}
# Why money is owed back (Refund.reason), worded where shown.
REFUND_REASONS = {
    "rejected_lines": "签收时拒收的商品",
    "cancelled": "订单已取消",
    "late_payment": "订单过期后才付款",
    "duplicate_payment": "重复付款",
    "returned": "配送失败，商品已退回商家",
    "after_sales": "售后退款",
    # Paid at the door (cash or card): the shop hands it back; recorded as owed.
    "after_sales_door": "售后退款（到付订单，由商家退还）",
}
PAYMENT_LABELS = {PaymentState.PENDING: "待支付", PaymentState.PAID: "已支付",
                  PaymentState.CLOSED: "已关闭"}
REFUND_LABELS = {RefundState.REQUESTED: "退款待发起", RefundState.PROCESSING: "退款中",
                 RefundState.SUCCEEDED: "已退款", RefundState.FAILED: "退款失败"}


class PaymentMoveError(Exception):
    """A payment or refund event that does not apply to its current status."""


def payment_move(current: PaymentState, event: PaymentEvent) -> PaymentState:
    try:
        return PAYMENT_MOVES[(PaymentState(current), PaymentEvent(event))]
    except KeyError:
        raise PaymentMoveError(f"a {current} payment cannot be {event}") from None


def account_move(current: AccountStatus, event: AccountEvent) -> AccountStatus:
    try:
        return ACCOUNT_MOVES[(AccountStatus(current), AccountEvent(event))]
    except KeyError:
        raise PaymentMoveError(f"a {current} account cannot be {event}") from None


def refund_move(current: RefundState, event: RefundEvent) -> RefundState:
    try:
        return REFUND_MOVES[(RefundState(current), RefundEvent(event))]
    except KeyError:
        raise PaymentMoveError(f"a {current} refund cannot take {event}") from None
