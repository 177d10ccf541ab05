"""A development WeChat Pay APIv3 gateway (partner mode) that speaks WeChat Pay's protocol:
WECHATPAY2-SHA256-RSA2048 Authorization headers checked against the merchant certificate,
answers signed with the platform key (Wechatpay-Timestamp/Nonce/Signature/Serial), platform
certificates served encrypted, notifications with an AES-256-GCM resource under the APIv3 key.
Payments and refunds live in memory."""
from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from webapp.payments.devgateway.common import (
    BAD_SIGNATURE,
    UNAVAILABLE,
    Delivery,
    deliver,
    pay_page,
    rogue_key,
    sign,
    verifies,
)
from webapp.payments.devgateway.keys import DevKeys, serial_hex
from webapp.payments.money import fen_to_yuan

CHINA = timezone(timedelta(hours=8))
AUTHORIZATION = re.compile(r'WECHATPAY2-SHA256-RSA2048 (.+)')
PARTNER = "/v3/pay/partner/transactions"
URLS = Map([
    Rule("/v3/certificates", methods=["GET"], endpoint="certificates"),
    Rule(f"{PARTNER}/h5", methods=["POST"], endpoint="h5"),
    Rule(f"{PARTNER}/native", methods=["POST"], endpoint="native"),
    Rule(f"{PARTNER}/out-trade-no/<out_trade_no>", methods=["GET"], endpoint="query"),
    Rule(f"{PARTNER}/out-trade-no/<out_trade_no>/close", methods=["POST"], endpoint="close"),
    Rule("/v3/refund/domestic/refunds", methods=["POST"], endpoint="refund"),
    Rule("/v3/refund/domestic/refunds/<out_refund_no>", methods=["GET"], endpoint="refund_query"),
    Rule("/dev/h5/<out_trade_no>", methods=["GET"], endpoint="page"),
    Rule("/dev/pay/<out_trade_no>", methods=["POST"], endpoint="buyer_pays"),
])


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def china_now() -> str:
    return datetime.now(CHINA).isoformat(timespec="seconds")


def encrypt(apiv3_key: str, plain: str, associated_data: str) -> dict[str, str]:
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay's nonces are
    sealed = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plain.encode(), associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "associated_data": associated_data, "nonce": nonce,
            "ciphertext": base64.b64encode(sealed).decode()}


@dataclass
class Payment:
    out_trade_no: str
    sub_mchid: str
    total_fen: int
    description: str
    notify_url: str
    trade_type: str
    trade_state: str = "NOTPAY"
    transaction_id: str = ""
    success_time: str = ""
    refunds: dict[str, dict] = field(default_factory=dict)


class WechatPayGateway:
    """The WSGI app; `sub_merchants` holds the shops' sub_mchid the platform may act for."""

    def __init__(self, keys: DevKeys):
        self.keys = keys
        self.merchant_public_key = keys.wechat_merchant_key.public_key()
        self.merchant_serial = serial_hex(keys.wechat_merchant_cert)
        self.platform_serial = serial_hex(keys.wechat_platform_cert)
        self.sub_merchants: set[str] = set()
        self.payments: dict[str, Payment] = {}
        self.failure: str | None = None
        self.calls: list[str] = []
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        incoming = Request(environ)
        try:
            endpoint, args = URLS.bind_to_environ(environ).match()
        except HTTPException as error:
            return error(environ, start_response)
        if endpoint in {"page", "buyer_pays"}:
            try:
                answer = getattr(self, "_" + endpoint)(incoming, **args)
            except HTTPException as error:  # no such payment
                answer = error
            return answer(environ, start_response)
        self.calls.append(endpoint)
        try:
            if self.failure == UNAVAILABLE:
                raise Refused(500, "SYSTEM_ERROR", "system error (development gateway told to fail)")
            body = incoming.get_data(as_text=True)
            self._check_authorization(incoming, body)
            with self._lock:
                status, answer = getattr(self, "_" + endpoint)(incoming, body, **args)
        except Refused as refused:
            status, answer = refused.status, {"code": refused.code, "message": refused.message}
        return self._signed(status, answer)(environ, start_response)

    def _check_authorization(self, incoming: Request, body: str) -> None:
        match = AUTHORIZATION.fullmatch(incoming.headers.get("Authorization", ""))
        fields = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1))) if match else {}
        target = incoming.path + (f"?{incoming.query_string.decode()}" if incoming.query_string else "")
        message = (f"{incoming.method}\n{target}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n"
                   f"{body}\n")
        who = (fields.get("mchid"), fields.get("serial_no"))
        if who != (self.keys.wechat_sp_mchid, self.merchant_serial):
            raise Refused(401, "SIGN_ERROR", "unknown merchant or certificate serial")
        if not fields.get("timestamp", "").isdigit() or abs(time.time() - int(fields["timestamp"])) > 300:
            raise Refused(401, "SIGN_ERROR", "timestamp outside five minutes")
        if not verifies(self.merchant_public_key, message, fields.get("signature", "")):
            raise Refused(401, "SIGN_ERROR", "Authorization signature does not verify")

    def _signed(self, status: int, answer: dict | None) -> Response:
        text = json.dumps(answer, ensure_ascii=False) if answer is not None else ""
        stamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
        key = rogue_key() if self.failure == BAD_SIGNATURE else self.keys.wechat_platform_key
        headers = {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
                   "Wechatpay-Serial": self.platform_serial, "Wechatpay-Signature-Type":
                   "WECHATPAY2-SHA256-RSA2048", "Request-ID": f"dev-{next(self._numbers)}",
                   "Wechatpay-Signature": sign(key, f"{stamp}\n{nonce}\n{text}\n")}
        return Response(text, status=status, headers=headers,
                        content_type="application/json; charset=utf-8" if text else None)

    def _certificates(self, incoming, body):
        pem = self.keys.wechat_platform_cert.public_bytes(serialization.Encoding.PEM).decode()
        cert = self.keys.wechat_platform_cert
        return 200, {"data": [{
            "serial_no": self.platform_serial,
            "effective_time": cert.not_valid_before_utc.astimezone(CHINA).isoformat(),
            "expire_time": cert.not_valid_after_utc.astimezone(CHINA).isoformat(),
            "encrypt_certificate": encrypt(self.keys.wechat_apiv3_key, pem, "certificate")}]}

    def _order(self, body: str, trade_type: str):
        order = json.loads(body)
        if order.get("sp_appid") != self.keys.wechat_sp_appid or \
                order.get("sp_mchid") != self.keys.wechat_sp_mchid:
            raise Refused(400, "APPID_MCHID_NOT_MATCH", "sp_appid and sp_mchid do not match")
        if order.get("sub_mchid") not in self.sub_merchants:
            raise Refused(403, "NO_AUTH", "not authorised to act for this sub_mchid")
        total = order.get("amount", {}).get("total")
        if not isinstance(total, int) or isinstance(total, bool) or total < 1:
            raise Refused(400, "PARAM_ERROR", "amount.total is a positive integer in fen")
        known = self.payments.get(order.get("out_trade_no", ""))
        if known is not None and (known.total_fen, known.sub_mchid) != (total, order["sub_mchid"]):
            raise Refused(400, "INVALID_REQUEST", "out_trade_no already used with other terms")
        payment = known or Payment(order["out_trade_no"], order["sub_mchid"], total,
                                   order.get("description", ""), order.get("notify_url", ""), trade_type)
        self.payments[payment.out_trade_no] = payment
        return payment

    def _h5(self, incoming, body):
        payment = self._order(body, "MWEB")
        return 200, {"h5_url": f"{incoming.host_url.rstrip('/')}{incoming.script_root}/dev/h5/"
                               f"{payment.out_trade_no}"}

    def _native(self, incoming, body):
        payment = self._order(body, "NATIVE")
        return 200, {"code_url": f"weixin://wxpay/bizpayurl?pr=dev{payment.out_trade_no}"}

    def _payment(self, out_trade_no: str, sub_mchid: str | None) -> Payment:
        payment = self.payments.get(out_trade_no)
        if payment is None or payment.sub_mchid != sub_mchid:
            raise Refused(404, "ORDER_NOT_EXIST", "order does not exist")
        return payment

    def _query(self, incoming, body, out_trade_no):
        if incoming.args.get("sp_mchid") != self.keys.wechat_sp_mchid:
            raise Refused(400, "PARAM_ERROR", "sp_mchid does not match")
        return 200, self.transaction(self._payment(out_trade_no, incoming.args.get("sub_mchid")))

    def _close(self, incoming, body, out_trade_no):
        payment = self._payment(out_trade_no, json.loads(body).get("sub_mchid"))
        if payment.trade_state == "SUCCESS":
            raise Refused(400, "ORDERPAID", "order already paid")
        payment.trade_state = "CLOSED"
        return 204, None

    def _refund(self, incoming, body):
        asked = json.loads(body)
        payment = self._payment(asked.get("out_trade_no", ""), asked.get("sub_mchid"))
        amount, number = asked.get("amount", {}), asked.get("out_refund_no", "")
        if amount.get("total") != payment.total_fen or amount.get("currency", "CNY") != "CNY":
            raise Refused(400, "PARAM_ERROR", "amount.total is not the order's total")
        known = payment.refunds.get(number)
        if known is not None:
            if known["amount"]["refund"] != amount.get("refund"):
                raise Refused(400, "INVALID_REQUEST", "out_refund_no already used with another amount")
            return 200, known
        if payment.trade_state not in {"SUCCESS", "REFUND"}:
            raise Refused(400, "TRADE_STATE_ERROR", f"order is {payment.trade_state}")
        done = sum(r["amount"]["refund"] for r in payment.refunds.values())
        if not isinstance(amount.get("refund"), int) or not 0 < amount["refund"] <= payment.total_fen - done:
            raise Refused(400, "NOT_ENOUGH", "refund exceeds what is left of the order")
        refund = {"refund_id": f"5030{next(self._numbers):024d}", "out_refund_no": number,
                  "transaction_id": payment.transaction_id, "out_trade_no": payment.out_trade_no,
                  "channel": "ORIGINAL", "user_received_account": "development balance",
                  "create_time": china_now(), "status": "PROCESSING",
                  "amount": {"refund": amount["refund"], "total": payment.total_fen,
                             "payer_refund": amount["refund"], "payer_total": payment.total_fen,
                             "currency": "CNY"}}
        payment.refunds[number] = refund
        payment.trade_state = "REFUND"
        return 200, dict(refund)

    def _refund_query(self, incoming, body, out_refund_no):
        sub_mchid = incoming.args.get("sub_mchid")
        for payment in self.payments.values():
            refund = payment.refunds.get(out_refund_no)
            if refund is not None and payment.sub_mchid == sub_mchid:
                # Settled by the time anyone asks: WeChat Pay's take seconds to days.
                refund.update(status="SUCCESS", success_time=refund.get("success_time") or china_now())
                return 200, refund
        raise Refused(404, "RESOURCE_NOT_EXISTS", "refund does not exist")

    def _page(self, incoming, out_trade_no):
        payment = self.payments.get(out_trade_no)
        if payment is None:
            raise NotFound()
        back = incoming.args.get("redirect_url", "")
        return pay_page(channel="WeChat Pay", subject=payment.description,
                        amount=fen_to_yuan(payment.total_fen), out_trade_no=out_trade_no,
                        status=payment.trade_state,
                        action=f"{incoming.script_root}/dev/pay/{out_trade_no}"
                               + (f"?{urlencode({'redirect_url': back})}" if back else ""))

    def _buyer_pays(self, incoming, out_trade_no):
        if out_trade_no not in self.payments:
            raise NotFound()
        self.pay(out_trade_no)
        back = incoming.args.get("redirect_url", "")
        if back.startswith(("http://", "https://")):  # back to the shop, as WeChat Pay's H5 does
            return Response(status=303, headers={"Location": back})
        return Response("paid", content_type="text/plain")

    def transaction(self, payment: Payment) -> dict:
        """The transaction as queries and notifications describe it."""
        body = {"sp_appid": self.keys.wechat_sp_appid, "sp_mchid": self.keys.wechat_sp_mchid,
                "sub_mchid": payment.sub_mchid, "out_trade_no": payment.out_trade_no,
                "trade_type": payment.trade_type, "trade_state": payment.trade_state,
                "trade_state_desc": payment.trade_state,
                "amount": {"total": payment.total_fen, "currency": "CNY"}}
        if payment.transaction_id:
            body.update(transaction_id=payment.transaction_id, success_time=payment.success_time,
                        bank_type="OTHERS", payer={"sp_openid": "dev-buyer-openid"})
            body["amount"].update(payer_total=payment.total_fen, payer_currency="CNY")
        return body

    def mark_paid(self, out_trade_no: str) -> Payment:
        """The buyer pays (as if they scanned the code or confirmed the H5 page); no notification
        is sent (a lost one: a query finds the payment)."""
        with self._lock:
            payment = self.payments[out_trade_no]
            if not payment.transaction_id:
                payment.transaction_id = f"4200{datetime.now(UTC):%Y%m%d}{next(self._numbers):010d}"
                payment.trade_state, payment.success_time = "SUCCESS", china_now()
        return payment

    def pay(self, out_trade_no: str) -> Delivery:
        """The buyer pays, and WeChat Pay sends the notify_url its signed, encrypted
        notification."""
        payment = self.mark_paid(out_trade_no)
        headers, body = self.notification(out_trade_no)
        return deliver(payment.notify_url, headers, body)

    def notification(self, out_trade_no: str, *, changes: dict | None = None, timestamp: int | None = None,
                     signing_key=None, apiv3_key: str | None = None,
                     resource: dict | None = None) -> tuple[dict[str, str], bytes]:
        """A payment's notification (headers, body): `changes` made to the transaction before it
        is encrypted (with `apiv3_key` if given), or `resource` instead of it, signed at
        `timestamp` with `signing_key` (the platform key unless told otherwise)."""
        plain = {**self.transaction(self.payments[out_trade_no]), **(changes or {})}
        sealed = resource or encrypt(apiv3_key or self.keys.wechat_apiv3_key,
                                     json.dumps(plain, ensure_ascii=False), "transaction")
        envelope = {"id": secrets.token_hex(16), "create_time": china_now(),
                    "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
                    "summary": "payment succeeded", "resource": {"original_type": "transaction", **sealed}}
        text = json.dumps(envelope, ensure_ascii=False)
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(16).upper()
        key = signing_key or (rogue_key() if self.failure == BAD_SIGNATURE else self.keys.wechat_platform_key)
        headers = {"Content-Type": "application/json", "Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
                   "Wechatpay-Serial": self.platform_serial,
                   "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
                   "Wechatpay-Signature": sign(key, f"{stamp}\n{nonce}\n{text}\n")}
        return headers, text.encode("utf-8")
