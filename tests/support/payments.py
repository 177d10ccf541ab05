"""The payment channels against the development gateways, for tests: one set of keys and one
running gateway per channel for the session (state cleared for each test), a server that
receives the notifications, and a guard that refuses every connection off 127.0.0.1."""
from __future__ import annotations

import copy
import ipaddress
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug.wrappers import Request, Response

from webapp.extensions import db
from webapp.models import AccountStatus, ShopPaymentAccount
from webapp.payments import configured_channels
from webapp.payments.accounts import seal
from webapp.payments.channels import ShopAccount
from webapp.payments.devgateway import AlipayGateway, DevKeys, Running, WechatPayGateway
from webapp.payments.devgateway.demo import ALIPAY_SHOP, WECHAT_SHOP


class OutsideConnectionBlocked(BaseException):
    """A connection off this machine was attempted: a setting still points at a real gateway.
    A BaseException, so no SDK's `except Exception` can turn it into a quiet retry."""


def _loopback(host) -> bool:
    if host in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def block_outside_connections(monkeypatch) -> list[str]:
    """Refuse name lookups and connections to anything but loopback; returns the attempts."""
    attempts: list[str] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _loopback(host.decode() if isinstance(host, bytes) else host):
            attempts.append(str(host))
            raise OutsideConnectionBlocked(f"tests may not reach {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self, address):
        if isinstance(address, tuple) and not _loopback(address[0]):
            attempts.append(str(address[0]))
            raise OutsideConnectionBlocked(f"tests may not connect to {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class NotifyReceiver:
    """Stands in for the app's notification endpoints: records what arrives, answers `answer`."""

    received: list[Received] = field(default_factory=list)
    answer: tuple[int, bytes] = (200, b"success")
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.received.append(Received(request.path, dict(request.headers), request.get_data()))
        status, body = self.answer
        return Response(body, status=status)(environ, start_response)




class Gateways:
    """Both gateways and the receiver, served for a whole session."""

    def __init__(self, folder: Path):
        self.keys = DevKeys()
        self.alipay = AlipayGateway(self.keys)
        self.wechat = WechatPayGateway(self.keys)
        self.receiver = NotifyReceiver()
        self.servers = [Running(self.alipay), Running(self.wechat), Running(self.receiver)]
        self.config = self.keys.app_config(
            alipay_url=self.servers[0].url + "/gateway.do", wechatpay_url=self.servers[1].url,
            cert_dir=folder / "wechatpay-platform")
        self.notify_url = self.servers[2].url + "/notify"
        self._channels: dict | None = None
        self.reset()

    def reset(self) -> None:
        for gateway in (self.alipay, self.wechat):
            gateway.failure = None
            gateway.calls.clear()
        self.alipay.trades.clear()
        self.alipay.merchants.clear()
        self.alipay.add_merchant(ALIPAY_SHOP.auth_token, ALIPAY_SHOP.merchant_id)
        self.wechat.payments.clear()
        self.wechat.sub_merchants = {WECHAT_SHOP.merchant_id}
        self.receiver.received.clear()
        self.receiver.answer = (200, b"success")

    def state(self) -> tuple:
        """What both gateways know of trades and merchants, to put back with `restore`."""
        return copy.deepcopy((self.alipay.trades, self.alipay.merchants, self.wechat.payments,
                              self.wechat.sub_merchants))

    def restore(self, state: tuple) -> None:
        """Back to a world's gateways as `state` was taken (failures and calls cleared)."""
        self.reset()
        trades, merchants, payments, sub_merchants = copy.deepcopy(state)
        self.alipay.trades.update(trades)
        self.alipay.merchants.update(merchants)
        self.wechat.payments.update(payments)
        self.wechat.sub_merchants = sub_merchants

    def channels(self, **changes: str) -> dict:
        """The channels configured for these gateways (`changes` to the settings make new ones;
        the usual ones are kept: pycryptodome takes a fifth of a second to read an RSA key)."""
        if changes:
            return configured_channels({**self.config, **changes})
        if self._channels is None:
            self._channels = configured_channels(self.config)
        return self._channels

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def approve_account(shop, channel: str, account: ShopAccount) -> None:
    """`shop` takes `channel` through `account`, approved by an admin."""
    if db.session.query(ShopPaymentAccount).filter_by(shop_id=shop.id,
                                                      channel=channel).first() is None:
        db.session.add(ShopPaymentAccount(
            shop_id=shop.id, channel=channel, merchant_id=account.merchant_id,
            auth_token_encrypted=seal(account.auth_token), status=AccountStatus.APPROVED))
        db.session.commit()
