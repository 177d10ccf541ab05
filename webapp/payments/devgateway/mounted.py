"""The development gateways served by the app itself, for `make run` without payment credentials:
both gateways answer under /dev-gateway/ (on PUBLIC_URL), with keys kept in
instance/dev-gateway/, and the channels are configured to call them there. The app calls itself
over HTTP for the gateway's API and the gateway calls the app back with its notification, as the
real ones would (one gevent worker serves both sides at once).

Used when APP_ENV=development and no channel is configured, or when PAYMENT_DEV_GATEWAY=1;
PAYMENT_DEV_GATEWAY=0 turns it off. Refused when APP_ENV=production. The gateways keep their
trades in the memory of the process that serves them: the first process to answer a gateway
request holds a lock on instance/dev-gateway/serving.lock, and any other answers 503 saying so
(several processes behind one address would otherwise lose trades at random)."""
from __future__ import annotations

import fcntl
import logging
import os
import weakref
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from flask import Flask
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.config import kyc_key
from webapp.extensions import db
from webapp.models import AccountStatus, Channel, ShopPaymentAccount
from webapp.payments.devgateway.alipay import AlipayGateway
from webapp.payments.devgateway.common import refuse_in_production
from webapp.payments.devgateway.keys import kept_keys
from webapp.payments.devgateway.wechatpay import WechatPayGateway

log = logging.getLogger(__name__)

MOUNT = "/dev-gateway"
CREDENTIALS = ("ALIPAY_APP_ID", "WECHATPAY_SP_APPID", "WECHATPAY_SP_MCHID")
ON, OFF = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
ELSEWHERE = ("Development gateway: another process (pid {pid}) serves it, and its trades live in "
             "that process's memory. Run the app as one process (make run), or configure the real "
             "payment channels (README, payment settings).\n")


def _setting(config: Mapping, name: str) -> str:
    value = config.get(name)
    return str(os.environ.get(name, "") if value is None else value).strip()


def wanted(config: Mapping) -> bool:
    """Whether this app serves the development gateways; raises in production if asked to."""
    asked = _setting(config, "PAYMENT_DEV_GATEWAY").lower()
    if asked in OFF:
        return False
    if asked in ON:
        refuse_in_production(config.get("APP_ENV", ""))
        return True
    return (config.get("APP_ENV") == "development"
            and not any(_setting(config, name) for name in CREDENTIALS))


def folder_of(app: Flask) -> Path:
    return Path(_setting(app.config, "PAYMENT_DEV_GATEWAY_DIR") or Path(app.instance_path) / "dev-gateway")


def install(app: Flask) -> None:
    """Serve the development gateways under MOUNT and point the channels at them, if wanted."""
    if not wanted(app.config):
        return
    folder = folder_of(app)
    keys = kept_keys(folder)
    base = app.config["PUBLIC_URL"] + MOUNT
    settings = keys.app_config(alipay_url=f"{base}/alipay/gateway.do", wechatpay_url=f"{base}/wechatpay",
                               cert_dir=folder / "wechatpay-platform")
    if _setting(app.config, "PAYMENT_TIMEOUT_SECONDS"):
        settings.pop("PAYMENT_TIMEOUT_SECONDS")
    app.config.update(settings)
    alipay, wechat = AlipayGateway(keys), WechatPayGateway(keys)
    alipay.merchants = ApprovedAlipayShops(app)
    wechat.sub_merchants = ApprovedWechatShops(app)
    app.extensions["dev_gateway"] = {"alipay": alipay, "wechatpay": wechat, "url": base}
    app.wsgi_app = Mounted(app.wsgi_app, {"alipay": alipay, "wechatpay": wechat},
                           folder / "serving.lock")


def _approved(app: Flask, channel: Channel) -> list[tuple[str, str]]:
    """(merchant id, sealed token) of the shop accounts approved at `channel`."""
    with app.app_context():
        return [tuple(row) for row in db.session.execute(select(
            ShopPaymentAccount.merchant_id, ShopPaymentAccount.auth_token_encrypted).where(
            ShopPaymentAccount.channel == channel,
            ShopPaymentAccount.status == AccountStatus.APPROVED))]


class ApprovedAlipayShops(dict):
    """The Alipay gateway's merchants (app_auth_token -> seller id, app id): every shop account
    approved in the app's database, as Alipay knows every shop that authorised the platform."""

    def __init__(self, app: Flask):
        super().__init__()
        self.app = app

    def get(self, token, default=None):
        fernet = Fernet(kyc_key(self.app.config))
        for merchant_id, sealed in _approved(self.app, Channel.ALIPAY):
            try:
                if sealed and fernet.decrypt(sealed.encode()).decode() == token:
                    return merchant_id, f"20210{merchant_id[-8:]}"
            except InvalidToken:
                continue
        return default


class ApprovedWechatShops(set):
    """The WeChat Pay gateway's sub-merchants: every shop account approved in the database."""

    def __init__(self, app: Flask):
        super().__init__()
        self.app = app

    def __contains__(self, sub_mchid) -> bool:
        return any(merchant_id == sub_mchid for merchant_id, _ in _approved(self.app, Channel.WECHAT))


class Mounted:
    """The app, with each gateway answering under MOUNT/<name> in the one process that holds
    `lock_path`."""

    def __init__(self, app, gateways: dict, lock_path: Path):
        self.app, self.gateways, self.lock_path = app, gateways, lock_path
        self._lock_file = None

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        for name, gateway in self.gateways.items():
            prefix = f"{MOUNT}/{name}"
            if path == prefix or path.startswith(prefix + "/"):
                if not self._serving():
                    return Response(ELSEWHERE.format(pid=self._holder()), status=503,
                                    content_type="text/plain; charset=utf-8")(environ, start_response)
                inner = dict(environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + prefix,
                             PATH_INFO=path[len(prefix):])
                return gateway(inner, start_response)
        return self.app(environ, start_response)

    def _serving(self) -> bool:
        """Hold the lock for the process's life from its first gateway request, or say no."""
        if self._lock_file is not None:
            return True
        handle = open(self.lock_path, "a+")  # held open for the process's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            log.error(ELSEWHERE.format(pid=self._holder()).strip())
            return False
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle
        weakref.finalize(self, handle.close)  # an app built and dropped (tests) lets it go
        return True

    def _holder(self) -> str:
        try:
            return self.lock_path.read_text().strip() or "?"
        except OSError:
            return "?"
