"""Alipay through python-alipay-sdk, as a third-party app acting for each shop (ISV mode: every
call carries the shop's app_auth_token, and the money goes to the shop's own account).

Requests and notifications are signed RSA2 (SHA256withRSA) over the sorted parameters; the SDK
signs and verifies, this module maps Alipay's answers onto `webapp.payments.channels`."""
from __future__ import annotations

import urllib.error
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from alipay import AliPay, ISVAliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig

from webapp.payments.channels import (
    Answer,
    BadGatewayResponse,
    GatewayRejected,
    GatewayUnavailable,
    InvalidSignature,
    MalformedNotification,
    NotificationMismatch,
    PaymentKind,
    PaymentLink,
    PaymentNotFound,
    PaymentResult,
    PaymentStatus,
    RefundResult,
    RefundStatus,
    ShopAccount,
)
from webapp.payments.money import fen_to_yuan, yuan_to_fen
from webapp.payments.settings import AlipaySettings

# Alipay's times are Beijing time without a zone.
BEIJING = ZoneInfo("Asia/Shanghai")
TRADE_STATUS = {"WAIT_BUYER_PAY": PaymentStatus.PENDING, "TRADE_SUCCESS": PaymentStatus.PAID,
                "TRADE_FINISHED": PaymentStatus.PAID, "TRADE_CLOSED": PaymentStatus.CLOSED}
NOT_FOUND = {"ACQ.TRADE_NOT_EXIST"}
SUCCESS = b"success"


def beijing_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).astimezone(UTC)
    except ValueError as error:
        raise MalformedNotification(f"not an Alipay time: {text!r}") from error


class _ShopClient(ISVAliPay):
    """The SDK's third-party client for one shop, on the configured gateway (the SDK itself knows
    only the production and sandbox addresses, and has no timeout parameter in this mode), with
    the keys `loaded` already holds: the SDK would parse them again for each client, which
    takes pycryptodome a fifth of a second."""

    def __init__(self, settings: AlipaySettings, loaded: AliPay, app_auth_token: str):
        self._loaded = loaded
        super().__init__(appid=settings.app_id, sign_type="RSA2", app_auth_token=app_auth_token)
        self._gateway = settings.gateway_url
        self._config = AliPayConfig(timeout=settings.timeout)

    def _load_key(self):
        self._app_private_key = self._loaded.app_private_key
        self._alipay_public_key = self._loaded.alipay_public_key


@contextmanager
def _gateway_call() -> Iterator[None]:
    try:
        yield
    except AliPayValidationError as error:
        raise BadGatewayResponse("Alipay's response signature does not verify") from error
    except AliPayException as error:  # unsigned: an error_response, or no sign at all
        raise GatewayRejected("error_response", str(error)) from error
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise GatewayUnavailable(f"Alipay gateway: {error}") from error
    except (ValueError, KeyError) as error:
        raise BadGatewayResponse(f"unreadable Alipay response: {error}") from error


def _business(response: dict) -> dict:
    """The response of a call that succeeded, or the typed error it stands for."""
    code = str(response.get("code", ""))
    if code == "10000":
        return response
    sub_code, message = response.get("sub_code", code), response.get("sub_msg") or response.get("msg", "")
    if sub_code in NOT_FOUND:
        raise PaymentNotFound(sub_code, message)
    if code == "20000":  # service unavailable: Alipay asks to retry
        raise GatewayUnavailable(f"{sub_code}: {message}")
    raise GatewayRejected(sub_code, message)


class AlipayChannel:
    name = "alipay"

    def __init__(self, settings: AlipaySettings):
        self.settings = settings
        # Holds the parsed keys, and verifies notifications (which carry no shop token).
        self._verifier = AliPay(appid=settings.app_id, app_private_key_string=settings.app_private_key,
                                alipay_public_key_string=settings.alipay_public_key, sign_type="RSA2")

    def _client(self, account: ShopAccount) -> _ShopClient:
        return _ShopClient(self.settings, self._verifier, account.auth_token)

    def create_payment(self, account, *, kind, out_trade_no, amount_fen, subject, notify_url,
                       return_url="", client_ip="", expires_at=None) -> PaymentLink:
        """A wap pay URL for the phone's browser, or a precreated trade's QR code."""
        client = self._client(account)
        extra = {"time_expire": expires_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")} \
            if expires_at else {}
        total = fen_to_yuan(amount_fen)
        if kind is PaymentKind.MOBILE_WEB:
            # Alipay's documented product code; the SDK's default (QUICK_WAP_PAY) is not it.
            query = client.api_alipay_trade_wap_pay(subject, out_trade_no, total, notify_url=notify_url,
                                                    return_url=return_url or None,
                                                    product_code="QUICK_WAP_WAY", **extra)
            return PaymentLink(kind, out_trade_no, f"{self.settings.gateway_url}?{query}")
        with _gateway_call():
            response = _business(client.api_alipay_trade_precreate(
                subject, out_trade_no, total, notify_url=notify_url, **extra))
        return PaymentLink(kind, out_trade_no, response["qr_code"])

    def query_payment(self, account, out_trade_no) -> PaymentResult:
        """The trade as Alipay has it; PaymentNotFound until the buyer opened or scanned it."""
        with _gateway_call():
            r = _business(self._client(account).api_alipay_trade_query(out_trade_no=out_trade_no))
            return PaymentResult(
                channel=self.name, out_trade_no=r["out_trade_no"], transaction_id=r.get("trade_no", ""),
                amount_fen=yuan_to_fen(r["total_amount"]), app_id=self.settings.app_id,
                merchant_id=account.merchant_id,
                status=TRADE_STATUS.get(r.get("trade_status"), PaymentStatus.FAILED),
                paid_at=beijing_time(r.get("send_pay_date", "")))

    def refund(self, account, *, out_trade_no, out_refund_no, amount_fen, total_fen, reason,
               notify_url="") -> RefundResult:
        """Refund part or all of a trade; out_refund_no (out_request_no) makes a retry safe."""
        with _gateway_call():
            r = _business(self._client(account).api_alipay_trade_refund(
                fen_to_yuan(amount_fen), out_trade_no=out_trade_no, out_request_no=out_refund_no,
                refund_reason=reason))
        # fund_change "N" answers a repeated request: whether money moved is for the query to say.
        status = RefundStatus.SUCCEEDED if r.get("fund_change") == "Y" else RefundStatus.PROCESSING
        return RefundResult(self.name, out_trade_no, out_refund_no, "", amount_fen, status,
                            beijing_time(r.get("gmt_refund_pay", "")))

    def query_refund(self, account, *, out_trade_no, out_refund_no) -> RefundResult:
        with _gateway_call():
            # The SDK's own method cannot ask for the refund's time (query_options).
            r = _business(self._client(account).server_api(
                "alipay.trade.fastpay.refund.query", biz_content={
                    "out_trade_no": out_trade_no, "out_request_no": out_refund_no,
                    "query_options": ["gmt_refund_pay"]}))
            if not r.get("refund_amount"):
                raise PaymentNotFound("REFUND_NOT_EXIST", f"no refund {out_refund_no}")
            status = RefundStatus.SUCCEEDED if r.get("refund_status") == "REFUND_SUCCESS" \
                else RefundStatus.PROCESSING
            return RefundResult(self.name, out_trade_no, out_refund_no, "",
                                yuan_to_fen(r["refund_amount"]), status,
                                beijing_time(r.get("gmt_refund_pay", "")))

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> PaymentResult:
        """Verify an asynchronous notification (RSA2 over its sorted parameters but sign and
        sign_type, form-encoded) and read it; raise a NotificationError otherwise."""
        params = _form(body)
        signature = params.pop("sign", "")
        try:
            verified = bool(signature) and self._verifier.verify(dict(params), signature)
        except (AliPayException, ValueError, TypeError) as error:
            raise InvalidSignature(f"Alipay notification: {error}") from error
        if not verified:
            raise InvalidSignature("Alipay notification signature does not verify")
        if params.get("app_id") != self.settings.app_id:
            raise NotificationMismatch(f"app_id {params.get('app_id')!r} is not ours")
        if params.get("notify_type", "trade_status_sync") != "trade_status_sync":
            raise MalformedNotification(f"not a trade notification: {params.get('notify_type')!r}")
        try:
            amount = yuan_to_fen(params["total_amount"])
            return PaymentResult(
                channel=self.name, out_trade_no=params["out_trade_no"],
                transaction_id=params.get("trade_no", ""), amount_fen=amount,
                app_id=params["app_id"], merchant_id=params.get("seller_id", ""),
                status=TRADE_STATUS.get(params.get("trade_status", ""), PaymentStatus.FAILED),
                paid_at=beijing_time(params.get("gmt_payment", "")))
        except (KeyError, ValueError) as error:
            raise MalformedNotification(f"Alipay notification: {error}") from error

    def success_answer(self) -> Answer:
        return Answer(200, "text/plain; charset=utf-8", SUCCESS)

    def failure_answer(self, message: str, status: int = 400) -> Answer:
        """Anything but "success" makes Alipay send the notification again later."""
        return Answer(status, "text/plain; charset=utf-8", b"failure")


def _form(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as error:
        raise MalformedNotification(f"not a form: {error}") from error
    params = dict(pairs)
    if len(params) != len(pairs):
        raise MalformedNotification("a parameter given twice")
    return params

