"""A development Alipay open-platform gateway (gateway.do) that speaks Alipay's protocol: RSA2
request signatures checked over the sorted parameters, JSON answers signed over the exact
response text, form-encoded notifications signed over the sorted parameters but sign and
sign_type. Trades and refunds live in memory."""
from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

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
from webapp.payments.devgateway.keys import DevKeys
from webapp.payments.money import fen_to_yuan, yuan_to_fen

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_now() -> str:
    return datetime.now(UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def signed_text(params: dict[str, str], *, leave_out: tuple[str, ...]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in leave_out)


@dataclass
class Trade:
    out_trade_no: str
    total_fen: int
    subject: str
    seller_id: str
    auth_app_id: str
    notify_url: str
    return_url: str = ""
    status: str = "WAIT_BUYER_PAY"
    trade_no: str = ""
    created: str = field(default_factory=beijing_now)
    paid: str = ""
    refunds: dict[str, int] = field(default_factory=dict)  # out_request_no -> fen
    refunded: dict[str, str] = field(default_factory=dict)  # out_request_no -> when


class AlipayGateway:
    """The WSGI app; `merchants` maps an app_auth_token to the shop's (user id, app id)."""

    def __init__(self, keys: DevKeys):
        self.keys = keys
        self.app_public_key = keys.alipay_app_key.public_key()
        self.merchants: dict[str, tuple[str, str]] = {}
        self.trades: dict[str, Trade] = {}
        self.failure: str | None = None
        self.calls: list[str] = []
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def add_merchant(self, app_auth_token: str, user_id: str, auth_app_id: str = "") -> None:
        self.merchants[app_auth_token] = (user_id, auth_app_id or f"20210{user_id[-8:]}")

    def __call__(self, environ, start_response):
        incoming = Request(environ)
        if incoming.path.endswith("/dev/pay") and incoming.method == "POST":
            return self._buyer_pays(incoming)(environ, start_response)
        return self._api(incoming)(environ, start_response)

    def _api(self, incoming: Request) -> Response:
        params = {**incoming.args.to_dict(), **incoming.form.to_dict()}
        method = params.get("method", "")
        self.calls.append(method)
        kind = method.replace(".", "_") + "_response"
        if self.failure == UNAVAILABLE:
            return Response("service unavailable", status=503)
        if params.get("app_id") != self.keys.alipay_app_id or not verifies(
                self.app_public_key, signed_text(params, leave_out=("sign",)), params.get("sign", "")):
            return self._error(kind, "40002", "isv.invalid-signature", "request signature does not verify")
        merchant = self.merchants.get(params.get("app_auth_token", ""))
        if merchant is None:
            return self._error(kind, "20001", "aop.invalid-app-auth-token", "unknown app_auth_token")
        biz = json.loads(params.get("biz_content") or "{}")
        if method == "alipay.trade.wap.pay" and biz.get("product_code") != "QUICK_WAP_WAY":
            return self._error(kind, "40004", "ACQ.INVALID_PARAMETER", "product_code is QUICK_WAP_WAY")
        if method == "alipay.trade.wap.pay":
            return self._wap_page(incoming, params, biz, merchant)
        handler = {"alipay.trade.precreate": self._precreate, "alipay.trade.query": self._query,
                   "alipay.trade.refund": self._refund,
                   "alipay.trade.fastpay.refund.query": self._refund_query}.get(method)
        if handler is None:
            return self._error(kind, "40004", "isv.invalid-method", f"{method} is not served here")
        try:
            with self._lock:
                body = handler(params, biz, merchant)
        except (KeyError, ValueError, TypeError) as error:
            body = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-parameter",
                    "sub_msg": str(error)}
        return self._signed(kind, body)

    def _error(self, kind: str, code: str, sub_code: str, message: str) -> Response:
        body = {"code": code, "msg": "Business Failed", "sub_code": sub_code, "sub_msg": message}
        return Response(json.dumps({kind: body}), content_type="application/json;charset=utf-8")

    def _signed(self, kind: str, body: dict) -> Response:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        key = rogue_key() if self.failure == BAD_SIGNATURE else self.keys.alipay_gateway_key
        raw = f'{{"{kind}":{text},"sign":"{sign(key, text)}"}}'
        return Response(raw, content_type="application/json;charset=utf-8")

    def _new_trade(self, params: dict, biz: dict, merchant: tuple[str, str]) -> Trade | dict:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        total = yuan_to_fen(str(biz.get("total_amount", "")))
        if trade is not None:
            same = trade.total_fen == total and trade.seller_id == merchant[0]
            return trade if same else _failed("ACQ.CONTEXT_INCONSISTENT", "same out_trade_no, other terms")
        trade = Trade(biz["out_trade_no"], total, biz.get("subject", ""), merchant[0], merchant[1],
                      params.get("notify_url", ""), params.get("return_url", ""))
        self.trades[trade.out_trade_no] = trade
        return trade

    def _wap_page(self, incoming, params, biz, merchant) -> Response:
        with self._lock:
            trade = self._new_trade(params, biz, merchant)
        if isinstance(trade, dict):
            return Response(json.dumps(trade), status=400, content_type="application/json")
        return pay_page(channel="Alipay", subject=trade.subject, amount=fen_to_yuan(trade.total_fen),
                        out_trade_no=trade.out_trade_no, status=trade.status,
                        action=f"{incoming.script_root}{incoming.path.rstrip('/')}/dev/pay"
                               f"?out_trade_no={trade.out_trade_no}")

    def _precreate(self, params, biz, merchant) -> dict:
        trade = self._new_trade(params, biz, merchant)
        if isinstance(trade, dict):
            return trade
        return {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no,
                "qr_code": f"https://qr.alipay.com/dev{trade.out_trade_no}"}

    def _query(self, params, biz, merchant) -> dict:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None or trade.seller_id != merchant[0]:
            return _failed("ACQ.TRADE_NOT_EXIST", "trade does not exist")
        body = {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no,
                "trade_status": trade.status, "total_amount": fen_to_yuan(trade.total_fen)}
        if trade.trade_no:
            body.update(trade_no=trade.trade_no, send_pay_date=trade.paid, buyer_user_id="2088000000000009")
        return body

    def _refund(self, params, biz, merchant) -> dict:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None or trade.seller_id != merchant[0]:
            return _failed("ACQ.TRADE_NOT_EXIST", "trade does not exist")
        request_no = biz.get("out_request_no") or trade.out_trade_no
        amount = yuan_to_fen(str(biz.get("refund_amount", "")))
        repeated = trade.refunds.get(request_no)
        if repeated is not None and repeated != amount:
            return _failed("ACQ.CONTEXT_INCONSISTENT", "same out_request_no, other amount")
        if repeated is None:
            if trade.status not in {"TRADE_SUCCESS"}:
                return _failed("ACQ.TRADE_STATUS_ERROR", f"trade is {trade.status}")
            if amount <= 0 or sum(trade.refunds.values()) + amount > trade.total_fen:
                return _failed("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "refund exceeds what was paid")
            trade.refunds[request_no], trade.refunded[request_no] = amount, beijing_now()
            if sum(trade.refunds.values()) == trade.total_fen:
                trade.status = "TRADE_CLOSED"
        return {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no,
                "trade_no": trade.trade_no, "fund_change": "N" if repeated is not None else "Y",
                "refund_fee": fen_to_yuan(sum(trade.refunds.values())), "gmt_refund_pay": beijing_now()}

    def _refund_query(self, params, biz, merchant) -> dict:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        request_no = biz.get("out_request_no", "")
        if trade is None or trade.seller_id != merchant[0] or request_no not in trade.refunds:
            return {"code": "10000", "msg": "Success"}  # Alipay's answer for "no such refund"
        return {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no,
                "trade_no": trade.trade_no, "out_request_no": request_no,
                "total_amount": fen_to_yuan(trade.total_fen),
                "refund_amount": fen_to_yuan(trade.refunds[request_no]), "refund_status": "REFUND_SUCCESS",
                **({"gmt_refund_pay": trade.refunded[request_no]}
                   if "gmt_refund_pay" in biz.get("query_options", []) else {})}

    def _buyer_pays(self, incoming: Request) -> Response:
        out_trade_no = incoming.args.get("out_trade_no", "")
        if out_trade_no not in self.trades:
            return Response("no such trade", status=404)
        self.pay(out_trade_no)
        trade = self.trades[out_trade_no]
        if trade.return_url:
            return Response(status=303, headers={"Location": trade.return_url})
        return Response("paid", content_type="text/plain")

    def mark_paid(self, out_trade_no: str) -> Trade:
        """The buyer pays (as if they scanned the code or confirmed the wap page); no notification
        is sent (a lost one: a query finds the payment)."""
        with self._lock:
            trade = self.trades[out_trade_no]
            if not trade.trade_no:
                trade.trade_no = datetime.now(BEIJING).strftime("%Y%m%d") + f"2200{next(self._numbers):014d}"
                trade.status, trade.paid = "TRADE_SUCCESS", beijing_now()
        return trade

    def pay(self, out_trade_no: str) -> Delivery:
        """The buyer pays, and Alipay sends the shop's notify_url its signed notification."""
        trade = self.mark_paid(out_trade_no)
        return self.send(trade.notify_url, self.notification(out_trade_no))

    def notification(self, out_trade_no: str, /, *, signing_key=None, **changes: str) -> dict[str, str]:
        """The notification parameters of a trade, with `changes` made before signing."""
        trade = self.trades[out_trade_no]
        params = {
            "notify_time": beijing_now(), "notify_type": "trade_status_sync",
            "notify_id": f"dev{next(self._numbers):020d}", "charset": "utf-8", "version": "1.0",
            "sign_type": "RSA2", "app_id": self.keys.alipay_app_id, "auth_app_id": trade.auth_app_id,
            "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "seller_id": trade.seller_id,
            "buyer_id": "2088000000000009", "trade_status": trade.status,
            "total_amount": fen_to_yuan(trade.total_fen), "receipt_amount": fen_to_yuan(trade.total_fen),
            "buyer_pay_amount": fen_to_yuan(trade.total_fen), "subject": trade.subject,
            "gmt_create": trade.created, "gmt_payment": trade.paid,
        }
        params.update(changes)
        key = signing_key or (rogue_key() if self.failure == BAD_SIGNATURE else self.keys.alipay_gateway_key)
        params["sign"] = sign(key, signed_text(params, leave_out=("sign", "sign_type")))
        return params

    def send(self, url: str, params: dict[str, str]) -> Delivery:
        body = urlencode(params).encode("utf-8")
        return deliver(url, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body)


def _failed(sub_code: str, message: str) -> dict:
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": message}

