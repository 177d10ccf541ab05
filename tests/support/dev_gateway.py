"""A live server (tests/support/live.py) that serves the development payment gateways itself, as
`make run` does without payment credentials, and the demo shop's payment accounts approved."""
from __future__ import annotations

from pathlib import Path

from tests.support import live
from tests.support.payments import ALIPAY_SHOP, WECHAT_SHOP, approve_account
from webapp import create_app
from webapp.extensions import db
from webapp.models import Shop


def dev_env(env: dict, folder: Path, port: int) -> dict:
    """`env` as make run would have it: APP_ENV=development, no payment credentials, the
    gateway's keys in `folder`, PUBLIC_URL the server's own address on `port`."""
    dev = {**env, "APP_ENV": "development", "PAYMENT_DEV_GATEWAY_DIR": str(folder / "dev-gateway"),
           "PUBLIC_URL": f"http://127.0.0.1:{port}"}
    for name in list(dev):
        if name.startswith(("ALIPAY_", "WECHATPAY_")) or name == "PAYMENT_DEV_GATEWAY":
            dev.pop(name)
    return dev


def approve_demo_accounts(env: dict) -> None:
    """The demo shop takes Alipay and WeChat Pay, its accounts approved (idempotent: seed-demo may
    have done it)."""
    app = create_app({"APP_ENV": "testing", "SECRET_KEY": env["SECRET_KEY"],
                      "KYC_ENCRYPTION_KEY": env["KYC_ENCRYPTION_KEY"], "PUBLIC_URL": env["PUBLIC_URL"],
                      "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "PAYMENT_DEV_GATEWAY": "0"})
    with app.app_context():
        shop = db.session.query(Shop).filter_by(handle="fresh-fruit").one()
        approve_account(shop, "alipay", ALIPAY_SHOP)
        approve_account(shop, "wechat", WECHAT_SHOP)
        db.session.remove()
        db.engine.dispose()


def demo_site_paying_online(directory: Path, log_path: Path) -> tuple[live.Server, dict]:
    """A live server on the demo data with the development gateways; (server, demo logins)."""
    env = live.base_env(f"sqlite:///{directory / 'demo.db'}")
    logins = live.prepare(env)
    approve_demo_accounts(env)
    port = live.free_port()
    server = live.start(dev_env(env, directory, port), log_path, port=port)
    return server, logins
