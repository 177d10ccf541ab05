"""WeChat Pay (APIv3) through wechatpayv3, as a service provider acting for each shop (partner
mode: every call names the shop's sub_mchid, and the money goes to the shop's own account).

Requests carry a WECHATPAY2-SHA256-RSA2048 Authorization header signed with the platform's
merchant key; responses and notifications are signed with WeChat Pay's platform certificate (or
its public key), and a notification's resource is AES-256-GCM encrypted with the APIv3 key. The
SDK does all of that; this module maps WeChat Pay's answers onto `webapp.payments.channels`."""
from __future__ import annotations

import binascii
import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from urllib.parse import urlencode

import requests
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt

from webapp.payments.channels import (
    Answer,
    BadGatewayResponse,
    ConfigurationError,
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
    StaleNotification,
    UndecryptableNotification,
)
from webapp.payments.settings import WechatPaySettings

TRADE_STATE = {"SUCCESS": PaymentStatus.PAID, "REFUND": PaymentStatus.REFUNDED,
               "NOTPAY": PaymentStatus.PENDING, "USERPAYING": PaymentStatus.PENDING,
               "CLOSED": PaymentStatus.CLOSED, "REVOKED": PaymentStatus.CLOSED,
               "PAYERROR": PaymentStatus.FAILED}
REFUND_STATE = {"SUCCESS": RefundStatus.SUCCEEDED, "PROCESSING": RefundStatus.PROCESSING,
                "CLOSED": RefundStatus.FAILED, "ABNORMAL": RefundStatus.FAILED}
NOTIFICATION_HEADERS = ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce",
                        "Wechatpay-Serial", "Wechatpay-Signature-Type")


def rfc3339(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError as error:
        raise MalformedNotification(f"not an RFC 3339 time: {text!r}") from error


@contextmanager
def _gateway_call() -> Iterator[None]:
    try:
        yield
    except requests.RequestException as error:
        raise GatewayUnavailable(f"WeChat Pay gateway: {error}") from error
    except (GatewayRejected, GatewayUnavailable, ConfigurationError):
        raise
    except Exception as error:  # the SDK raises plain Exception, e.g. for a response signature
        raise BadGatewayResponse(f"WeChat Pay response: {error}") from error


def _answer(code: int, message) -> dict:
    """The JSON of a 2xx answer, or the typed error a 4xx/5xx stands for."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    if 200 <= code < 300:
        return json.loads(text) if text else {}
    try:
        error = json.loads(text)
    except ValueError:
        error = {}
    err_code, err_message = str(error.get("code", code)), str(error.get("message", text))[:300]
    if code == 404:
        raise PaymentNotFound(err_code, err_message)
    if code >= 500 or code == 429:
        raise GatewayUnavailable(f"{code} {err_code}: {err_message}")
    raise GatewayRejected(err_code, err_message)


class WechatPayChannel:
    name = "wechat"

    def __init__(self, settings: WechatPaySettings):
        self.settings = settings

    @cached_property
    def sdk(self) -> WeChatPay:
        """The SDK client, made on first use: it reads the platform certificates then."""
        s = self.settings
        try:
            sdk = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=s.sp_mchid, private_key=s.private_key,
                            cert_serial_no=s.cert_serial_no, appid=s.sp_appid, apiv3_key=s.apiv3_key,
                            cert_dir=s.platform_cert_dir or None, partner_mode=True,
                            timeout=(s.timeout, s.timeout), public_key=s.public_key or None,
                            public_key_id=s.public_key_id or None)
        except Exception as error:  # the SDK raises plain Exception for unusable keys
            raise ConfigurationError(f"WeChat Pay: {error}") from error
        # The SDK has no setting for its address; certificate refreshes and calls use this one.
        sdk._core._gate_way = s.gateway_url
        return sdk

    def create_payment(self, account, *, kind, out_trade_no, amount_fen, subject, notify_url,
                       return_url="", client_ip="", expires_at=None) -> PaymentLink:
        """An H5 page URL for the phone's browser, or a Native code_url for a QR code."""
        extra = {"time_expire": expires_at.astimezone(UTC).isoformat(timespec="seconds")} \
            if expires_at else {}
        if kind is PaymentKind.MOBILE_WEB:
            if not client_ip:
                raise ValueError("WeChat Pay H5 needs the buyer's address (client_ip)")
            extra["scene_info"] = {"payer_client_ip": client_ip, "h5_info": {"type": "Wap"}}
        pay_type = WeChatPayType.H5 if kind is PaymentKind.MOBILE_WEB else WeChatPayType.NATIVE
        with _gateway_call():
            r = _answer(*self.sdk.pay(
                description=subject[:127], out_trade_no=out_trade_no,
                amount={"total": amount_fen, "currency": "CNY"}, notify_url=notify_url,
                sub_mchid=account.merchant_id, pay_type=pay_type, **extra))
            url = r["h5_url"] if kind is PaymentKind.MOBILE_WEB else r["code_url"]
        if kind is PaymentKind.MOBILE_WEB and return_url:
            # WeChat Pay's documented way back to the shop after the H5 cashier: the merchant
            # appends redirect_url (urlencoded) to h5_url.
            url += ("&" if "?" in url else "?") + urlencode({"redirect_url": return_url})
        return PaymentLink(kind, out_trade_no, url)

    def query_payment(self, account, out_trade_no) -> PaymentResult:
        with _gateway_call():
            r = _answer(*self.sdk.query(out_trade_no=out_trade_no, sub_mchid=account.merchant_id))
            return self._payment(r)

    def refund(self, account, *, out_trade_no, out_refund_no, amount_fen, total_fen, reason,
               notify_url="") -> RefundResult:
        """Refund part or all of a payment; out_refund_no makes a retry safe."""
        with _gateway_call():
            r = _answer(*self.sdk.refund(
                out_refund_no=out_refund_no, out_trade_no=out_trade_no, reason=reason[:80] or None,
                amount={"refund": amount_fen, "total": total_fen, "currency": "CNY"},
                notify_url=notify_url or None, sub_mchid=account.merchant_id))
            return self._refund(r)

    def query_refund(self, account, *, out_trade_no, out_refund_no) -> RefundResult:
        with _gateway_call():
            return self._refund(_answer(*self.sdk.query_refund(out_refund_no, sub_mchid=account.merchant_id)))

    def _payment(self, r: dict) -> PaymentResult:
        return PaymentResult(
            channel=self.name, out_trade_no=r["out_trade_no"], transaction_id=r.get("transaction_id", ""),
            amount_fen=int(r.get("amount", {}).get("total", 0)), app_id=r.get("sp_appid", ""),
            merchant_id=r.get("sub_mchid", ""),
            status=TRADE_STATE.get(r.get("trade_state", ""), PaymentStatus.FAILED),
            paid_at=rfc3339(r.get("success_time")))

    def _refund(self, r: dict) -> RefundResult:
        return RefundResult(
            channel=self.name, out_trade_no=r["out_trade_no"], out_refund_no=r["out_refund_no"],
            refund_id=r.get("refund_id", ""), amount_fen=int(r["amount"]["refund"]),
            status=REFUND_STATE.get(r.get("status", ""), RefundStatus.PROCESSING),
            refunded_at=rfc3339(r.get("success_time")))

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> PaymentResult:
        """Verify a payment notification (signature headers, timestamp window, AES-256-GCM
        resource) and read it; raise a NotificationError otherwise."""
        found = {name: _header(headers, name) for name in NOTIFICATION_HEADERS}
        try:
            text = body.decode("utf-8")
            stamp = int(found["Wechatpay-Timestamp"])
        except (UnicodeDecodeError, ValueError) as error:
            raise MalformedNotification(f"WeChat Pay notification: {error}") from error
        if abs(time.time() - stamp) > self.settings.notify_max_age:
            raise StaleNotification(f"signed at {stamp}, more than {self.settings.notify_max_age} s away")
        try:
            verified = self.sdk._core._verify_signature(found, text)
        except Exception as error:  # plain Exception: an unsupported Wechatpay-Signature-Type
            raise InvalidSignature(f"WeChat Pay notification: {error}") from error
        if not verified:
            raise InvalidSignature("WeChat Pay notification signature does not verify")
        resource = self._decrypted(text)
        if resource.get("sp_appid") != self.settings.sp_appid or \
                resource.get("sp_mchid") != self.settings.sp_mchid:
            raise NotificationMismatch(
                f"for {resource.get('sp_appid')!r}/{resource.get('sp_mchid')!r}, not this platform")
        try:
            return self._payment(resource)
        except (KeyError, ValueError, TypeError, AttributeError) as error:
            raise MalformedNotification(f"WeChat Pay transaction: {error}") from error

    def _decrypted(self, text: str) -> dict:
        try:
            envelope = json.loads(text)
            resource = envelope["resource"]
            if envelope.get("event_type") != "TRANSACTION.SUCCESS" or \
                    envelope.get("resource_type") != "encrypt-resource" or \
                    resource.get("algorithm") != "AEAD_AES_256_GCM":
                raise MalformedNotification(f"not a payment notification: {envelope.get('event_type')!r}")
            plain = aes_decrypt(nonce=resource["nonce"], ciphertext=resource["ciphertext"],
                                associated_data=resource.get("associated_data") or "",
                                apiv3_key=self.settings.apiv3_key)
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as error:
            raise UndecryptableNotification(f"WeChat Pay resource: {error}") from error
        if plain is None:
            raise UndecryptableNotification("the resource does not decrypt with the APIv3 key")
        try:
            return json.loads(plain)
        except ValueError as error:
            raise MalformedNotification(f"WeChat Pay resource: {error}") from error

    def success_answer(self) -> Answer:
        return Answer(204, "text/plain; charset=utf-8", b"")

    def failure_answer(self, message: str, status: int = 400) -> Answer:
        """A 4xx/5xx with {"code": "FAIL", "message": ...}: WeChat Pay sends it again later."""
        body = json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False).encode("utf-8")
        return Answer(status, "application/json", body)


def _header(headers: Mapping[str, str], name: str) -> str:
    """A header by its name in any case (a WSGI environ's HTTP_ form included)."""
    for key in (name, name.lower(), "HTTP_" + name.upper().replace("-", "_")):
        value = headers.get(key)
        if value is not None:
            return str(value)
    lowered = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == lowered), "")
