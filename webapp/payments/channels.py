"""What every payment channel offers the app, whatever the gateway behind it.

A channel acts for a shop in partner mode: the money goes to the shop's own merchant account
(`ShopAccount`), never to the platform's. Amounts are integers in fen everywhere; only the
channel modules turn them into what their gateway speaks (`webapp.payments.money`)."""
from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class PaymentKind(enum.Enum):
    """How the buyer reaches the gateway: a page opened on the phone, or a QR code scanned."""

    MOBILE_WEB = "mobile_web"  # WeChat Pay H5 (h5_url), Alipay wap pay (a gateway URL)
    QR = "qr"                  # WeChat Pay Native (code_url), Alipay precreate (qr_code)


class PaymentStatus(enum.Enum):
    PENDING = "pending"    # created, not paid yet (or the buyer is paying)
    PAID = "paid"
    REFUNDED = "refunded"  # paid, then refunded in part or in whole (WeChat Pay's REFUND)
    CLOSED = "closed"      # closed or cancelled unpaid, or (Alipay) closed after a full refund
    FAILED = "failed"


class RefundStatus(enum.Enum):
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"      # closed or abnormal: the money did not go back; retry or intervene


@dataclass(frozen=True)
class ShopAccount:
    """A shop's own account at one channel, which the platform acts for.

    merchant_id: WeChat Pay's `sub_mchid`; for Alipay the shop's user id (2088…), which the
    gateway reports as `seller_id`. auth_token: Alipay's `app_auth_token` (the shop's grant to
    the platform's third-party app); WeChat Pay needs none."""

    merchant_id: str
    auth_token: str = ""


@dataclass(frozen=True)
class PaymentLink:
    """Where the buyer pays: a URL to open (mobile web) or the text of a QR code."""

    kind: PaymentKind
    out_trade_no: str
    url: str


@dataclass(frozen=True)
class PaymentResult:
    """A payment as the gateway reports it, from a query or a verified notification."""

    channel: str
    out_trade_no: str
    transaction_id: str    # the gateway's own number; empty while none exists
    amount_fen: int
    app_id: str            # the platform's app id the payment was made under
    merchant_id: str       # the shop's account (WeChat sub_mchid, Alipay seller_id)
    status: PaymentStatus
    paid_at: datetime | None  # aware, UTC

    def ensure_matches(self, *, out_trade_no: str, amount_fen: int, merchant_id: str) -> None:
        """Refuse a result that is not about the payment the caller recorded."""
        for field, expected in (("out_trade_no", out_trade_no), ("amount_fen", amount_fen),
                                ("merchant_id", merchant_id)):
            if getattr(self, field) != expected:
                raise NotificationMismatch(
                    f"{field} is {getattr(self, field)!r}, the payment says {expected!r}")


@dataclass(frozen=True)
class RefundResult:
    channel: str
    out_trade_no: str
    out_refund_no: str
    refund_id: str         # the gateway's number for the refund; may be empty (Alipay)
    amount_fen: int
    status: RefundStatus
    refunded_at: datetime | None


@dataclass(frozen=True)
class Answer:
    """The HTTP answer a gateway expects to a notification."""

    status: int
    content_type: str
    body: bytes


class PaymentError(Exception):
    """Anything that went wrong talking to a payment channel."""


class ConfigurationError(PaymentError):
    """A channel's settings are missing or unusable."""


class GatewayUnavailable(PaymentError):
    """The gateway could not be reached or failed (network, timeout, 5xx): try again later."""


class GatewayRejected(PaymentError):
    """The gateway answered and said no; `code` is its own error code."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class PaymentNotFound(GatewayRejected):
    """The gateway knows no such payment or refund (yet: an Alipay trade exists only once the
    buyer has opened or scanned it)."""


class BadGatewayResponse(PaymentError):
    """A response that did not verify (signature) or could not be read: not to be trusted."""


class NotificationError(PaymentError):
    """A notification that must not be acted on; answer it with the channel's failure body."""


class InvalidSignature(NotificationError):
    pass


class StaleNotification(NotificationError):
    """Signed outside the accepted time window (a replay, or a badly wrong clock)."""


class UndecryptableNotification(NotificationError):
    pass


class MalformedNotification(NotificationError):
    pass


class NotificationMismatch(NotificationError):
    """Correctly signed, but for another app, merchant, payment or amount."""


class Channel(Protocol):
    """One payment channel in partner mode; `webapp.payments.alipay` and `.wechatpay`."""

    name: str

    def create_payment(self, account: ShopAccount, *, kind: PaymentKind, out_trade_no: str,
                       amount_fen: int, subject: str, notify_url: str, return_url: str = "",
                       client_ip: str = "", expires_at: datetime | None = None) -> PaymentLink: ...

    def query_payment(self, account: ShopAccount, out_trade_no: str) -> PaymentResult: ...

    def refund(self, account: ShopAccount, *, out_trade_no: str, out_refund_no: str,
               amount_fen: int, total_fen: int, reason: str,
               notify_url: str = "") -> RefundResult: ...

    def query_refund(self, account: ShopAccount, *, out_trade_no: str,
                     out_refund_no: str) -> RefundResult: ...

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> PaymentResult: ...

    def success_answer(self) -> Answer: ...

    def failure_answer(self, message: str) -> Answer: ...
