"""Asynchronous notifications: a genuine one parses the same every time; a tampered, forged,
misdirected, stale or undecryptable one is refused with a typed error."""
from __future__ import annotations

import base64
import json
import time
import uuid
from urllib.parse import urlencode

import pytest

from tests.support.payments import ALIPAY_SHOP, WECHAT_SHOP
from webapp.payments.channels import (
    InvalidSignature,
    MalformedNotification,
    NotificationError,
    NotificationMismatch,
    PaymentKind,
    StaleNotification,
    UndecryptableNotification,
)
from webapp.payments.devgateway.keys import new_key

STRANGER = new_key()  # signs like a gateway, but no one trusts it


def paid(world, channels, name) -> str:
    shop = ALIPAY_SHOP if name == "alipay" else WECHAT_SHOP
    out_trade_no = "N" + uuid.uuid4().hex[:20]
    channels[name].create_payment(shop, kind=PaymentKind.QR, out_trade_no=out_trade_no, amount_fen=6580,
                                  subject="Rice 10 kg", notify_url=world.notify_url)
    (world.alipay if name == "alipay" else world.wechat).pay(out_trade_no)
    return out_trade_no


def form(params: dict) -> tuple[dict, bytes]:
    return {"Content-Type": "application/x-www-form-urlencoded"}, urlencode(params).encode()


def alipay_changed_after_signing(world, no):
    return form({**world.alipay.notification(no), "total_amount": "0.01"})


def alipay_unsigned(world, no):
    params = world.alipay.notification(no)
    del params["sign"]
    return form(params)


def alipay_twice_given(world, no):
    headers, body = form(world.alipay.notification(no))
    return headers, body + b"&total_amount=0.01"


def wechat_changed_after_signing(world, no):
    headers, _ = world.wechat.notification(no)
    _, body = world.wechat.notification(no, changes={"amount": {"total": 1, "currency": "CNY"}})
    return headers, body


def wechat_header(name, value):
    def build(world, no):
        headers, body = world.wechat.notification(no)
        return {**headers, name: value}, body
    return build


GARBAGE = {"algorithm": "AEAD_AES_256_GCM", "associated_data": "transaction", "nonce": "0123456789ab",
           "ciphertext": base64.b64encode(b"not what the gateway sealed, not at all").decode()}

REFUSED = [
    ("alipay", "amount changed after signing", alipay_changed_after_signing, InvalidSignature),
    ("alipay", "signed by a stranger",
     lambda w, no: form(w.alipay.notification(no, signing_key=STRANGER)), InvalidSignature),
    ("alipay", "no signature", alipay_unsigned, InvalidSignature),
    ("alipay", "RSA (SHA-1) sign type", lambda w, no: form(w.alipay.notification(no, sign_type="RSA")),
     InvalidSignature),
    ("alipay", "another app", lambda w, no: form(w.alipay.notification(no, app_id="2021000000009999")),
     NotificationMismatch),
    ("alipay", "not a trade notification",
     lambda w, no: form(w.alipay.notification(no, notify_type="fund_change")), MalformedNotification),
    ("alipay", "three decimals", lambda w, no: form(w.alipay.notification(no, total_amount="65.801")),
     MalformedNotification),
    ("alipay", "a parameter twice", alipay_twice_given, MalformedNotification),
    ("alipay", "not a form", lambda w, no: ({}, b"\xff\xfe"), MalformedNotification),
    ("wechat", "amount changed after signing", wechat_changed_after_signing, InvalidSignature),
    ("wechat", "signed by a stranger", lambda w, no: w.wechat.notification(no, signing_key=STRANGER),
     InvalidSignature),
    ("wechat", "unknown certificate serial", wechat_header("Wechatpay-Serial", "5157F09EFDC096DE15EBE81A47"),
     InvalidSignature),
    ("wechat", "another signature type", wechat_header("Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3"),
     InvalidSignature),
    ("wechat", "no timestamp", wechat_header("Wechatpay-Timestamp", ""), MalformedNotification),
    ("wechat", "signed six minutes ago",
     lambda w, no: w.wechat.notification(no, timestamp=int(time.time()) - 360), StaleNotification),
    ("wechat", "signed six minutes ahead",
     lambda w, no: w.wechat.notification(no, timestamp=int(time.time()) + 360), StaleNotification),
    ("wechat", "another app", lambda w, no: w.wechat.notification(no, changes={"sp_appid": "wx9999"}),
     NotificationMismatch),
    ("wechat", "another service provider",
     lambda w, no: w.wechat.notification(no, changes={"sp_mchid": "1900009999"}), NotificationMismatch),
    ("wechat", "bad ciphertext", lambda w, no: w.wechat.notification(no, resource=GARBAGE),
     UndecryptableNotification),
    ("wechat", "sealed with another APIv3 key",
     lambda w, no: w.wechat.notification(no, apiv3_key="k" * 32), UndecryptableNotification),
]


@pytest.mark.parametrize("name, case, build, error", REFUSED, ids=[f"{c[0]}: {c[1]}" for c in REFUSED])
def test_bad_notifications_are_refused(world, channels, name, case, build, error):
    headers, body = build(world, paid(world, channels, name))
    with pytest.raises(error):
        channels[name].parse_notification(headers, body)
    assert issubclass(error, NotificationError)


MISDIRECTED = [
    ("alipay", "another shop", {"seller_id": "2088000000009999"}, "merchant_id"),
    ("alipay", "another amount", {"total_amount": "0.01"}, "amount_fen"),
    ("alipay", "another payment", {"out_trade_no": "N-someone-else"}, "out_trade_no"),
    ("wechat", "another shop", {"sub_mchid": "1900009999"}, "merchant_id"),
    ("wechat", "another amount", {"amount": {"total": 1, "currency": "CNY"}}, "amount_fen"),
    ("wechat", "another payment", {"out_trade_no": "N-someone-else"}, "out_trade_no"),
]


@pytest.mark.parametrize("name, case, changes, field", MISDIRECTED,
                         ids=[f"{c[0]}: {c[1]}" for c in MISDIRECTED])
def test_genuine_but_misdirected_notifications_do_not_match(world, channels, name, case, changes, field):
    """Correctly signed by the gateway, about something other than the payment recorded."""
    no = paid(world, channels, name)
    if name == "alipay":
        headers, body = form(world.alipay.notification(no, **changes))
    else:
        headers, body = world.wechat.notification(no, changes=changes)
    notice = channels[name].parse_notification(headers, body)
    shop = ALIPAY_SHOP if name == "alipay" else WECHAT_SHOP
    with pytest.raises(NotificationMismatch, match=field):
        notice.ensure_matches(out_trade_no=no, amount_fen=6580, merchant_id=shop.merchant_id)


def test_the_same_notification_parses_the_same(world, channels, channel_name):
    no = paid(world, channels, channel_name)
    [first] = world.receiver.received
    channel = channels[channel_name]
    # Delivered again (a retry: new notify id or nonce, same payment) and parsed twice.
    if channel_name == "alipay":
        headers, body = form(world.alipay.notification(no))
    else:
        headers, body = world.wechat.notification(no)
    results = {channel.parse_notification(first.headers, first.body),
               channel.parse_notification(first.headers, first.body),
               channel.parse_notification(headers, body)}
    assert len(results) == 1 and results.pop().out_trade_no == no


def test_notification_headers_in_any_case(world, channels):
    no = paid(world, channels, "wechat")
    headers, body = world.wechat.notification(no)
    lowered = {k.lower(): v for k, v in headers.items()}
    environ = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    assert channels["wechat"].parse_notification(lowered, body) == \
        channels["wechat"].parse_notification(environ, body)


def test_answers_are_what_each_gateway_expects(channels):
    alipay, wechat = channels["alipay"], channels["wechat"]
    assert (alipay.success_answer().status, alipay.success_answer().body) == (200, b"success")
    assert alipay.failure_answer("bad signature").body != b"success"
    assert wechat.success_answer().status in {200, 204}
    failure = wechat.failure_answer("signature does not verify")
    assert failure.status >= 400 and failure.content_type == "application/json"
    assert json.loads(failure.body) == {"code": "FAIL", "message": "signature does not verify"}
