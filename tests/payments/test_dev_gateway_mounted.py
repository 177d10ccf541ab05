"""The development gateways served by the app itself (`make run` without payment credentials):
mounted under /dev-gateway/ with keys kept in a folder, the channels pointed at them, never in
production, off when asked, one process at a time; and under gunicorn's one gevent worker a buyer
pays through them, the gateway's notification reaching the same process."""
from __future__ import annotations

import fcntl
import re

import pytest
import requests

from tests.support import live
from tests.support.dev_gateway import demo_site_paying_online
from tests.support.live import csrf_token
from webapp import create_app
from webapp.config import TestConfig
from webapp.payments.accounts import clients

pytestmark = pytest.mark.servers  # starts server processes: .ci/run gives them a lane of their own

PUBLIC = "http://127.0.0.1:5999"


def settings(tmp_path, **changes) -> dict:
    return {"APP_ENV": "development", "SECRET_KEY": "x" * 32, "PUBLIC_URL": PUBLIC,
            "KYC_ENCRYPTION_KEY": TestConfig.KYC_ENCRYPTION_KEY, "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "PAYMENT_DEV_GATEWAY_DIR": str(tmp_path / "gw"), **changes}


def test_development_without_credentials_pays_through_its_own_gateway(tmp_path):
    app = create_app(settings(tmp_path))
    assert app.config["ALIPAY_GATEWAY_URL"] == f"{PUBLIC}/dev-gateway/alipay/gateway.do"
    assert app.config["WECHATPAY_GATEWAY_URL"] == f"{PUBLIC}/dev-gateway/wechatpay"
    with app.app_context():
        assert set(clients()) == {"alipay", "wechat"}
    kept = tmp_path / "gw" / "keys.json"
    assert kept.stat().st_mode & 0o077 == 0
    assert list((tmp_path / "gw" / "wechatpay-platform").glob("*.pem"))
    # A restart keeps the keys: payments started before it still verify.
    again = create_app(settings(tmp_path))
    for name in ("ALIPAY_PUBLIC_KEY", "WECHATPAY_CERT_SERIAL_NO", "WECHATPAY_APIV3_KEY"):
        assert again.config[name] == app.config[name]
    # The gateways answer there, not the app: Alipay's error about an unsigned call, WeChat's 404.
    client = app.test_client()
    answer = client.get("/dev-gateway/alipay/gateway.do?method=alipay.trade.query")
    assert answer.status_code == 200 and "isv.invalid-signature" in answer.text
    assert client.get("/dev-gateway/wechatpay/dev/h5/P1Tnone").status_code == 404
    assert client.get("/sw.js").status_code == 200  # the rest is the app's


def test_production_never_serves_it(tmp_path):
    app = create_app(settings(tmp_path, APP_ENV="production", PUBLIC_URL="https://shop.example.cn"))
    with app.app_context():
        assert clients() == {}
    assert "dev_gateway" not in app.extensions
    assert app.test_client().get("/dev-gateway/alipay/gateway.do").status_code == 404
    with pytest.raises(RuntimeError, match="APP_ENV=production"):
        create_app(settings(tmp_path, APP_ENV="production", PAYMENT_DEV_GATEWAY="1"))
    assert not (tmp_path / "gw").exists()  # no keys made either


@pytest.mark.parametrize("changes", [{"PAYMENT_DEV_GATEWAY": "0"}, {"APP_ENV": "testing"},
                                     {"ALIPAY_APP_ID": "2021000000000009"}],
                         ids=["turned off", "not development", "real credentials"])
def test_off_when_turned_off_or_not_needed(tmp_path, changes):
    app = create_app(settings(tmp_path, **changes))
    assert "dev_gateway" not in app.extensions and "WECHATPAY_GATEWAY_URL" not in app.config
    assert app.test_client().get("/dev-gateway/wechatpay/dev/h5/P1Tnone").status_code == 404


def test_asked_for_in_testing_it_is_served(tmp_path):
    app = create_app(settings(tmp_path, APP_ENV="testing", PAYMENT_DEV_GATEWAY="1"))
    assert app.extensions["dev_gateway"]["url"] == f"{PUBLIC}/dev-gateway"


def test_a_second_process_is_told_where_the_gateway_is(tmp_path):
    app = create_app(settings(tmp_path))
    client = app.test_client()
    with open(tmp_path / "gw" / "serving.lock", "w") as other:  # as another process holds it
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        other.write("4242")
        other.flush()
        answer = client.get("/dev-gateway/wechatpay/dev/h5/P1Tnone")
        assert answer.status_code == 503
        assert "another process (pid 4242)" in answer.text and "make run" in answer.text
    # That process gone, this one takes over.
    assert client.get("/dev-gateway/wechatpay/dev/h5/P1Tnone").status_code == 404
    assert (tmp_path / "gw" / "serving.lock").read_text() != "4242"


def _order_paying_online(base: str, buyer: requests.Session, channel: str) -> int:
    """The demo buyer checks out one product paid online through `channel`; the order's id."""
    page = buyer.get(f"{base}/s/fresh-fruit", timeout=10).text
    added = buyer.post(f"{base}/cart/add", timeout=10, data={
        "csrf_token": csrf_token(page), "product_id": "1", "quantity": "1"})
    assert added.status_code in (200, 303), added.text
    checkout = re.search(r'href="(/orders/checkout/\d+)"', buyer.get(f"{base}/cart/", timeout=10).text)[1]
    form = buyer.get(f"{base}{checkout}", timeout=10).text
    placed = buyer.post(f"{base}{checkout}", allow_redirects=False, timeout=10, data={
        "csrf_token": csrf_token(form),
        "address_id": re.search(r'name="address_id"[^>]*value="(\d+)"', form)[1],
        "window": re.search(r'<option[^>]*value="([0-9T:/-]+)"', form)[1],
        "payment_method": f"{channel}_online", "note": "",
        "idempotency_key": re.search(r'name="idempotency_key" type="hidden" value="(\w+)"', form)[1],
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', form)[1]})
    assert placed.status_code == 303, placed.text
    return int(re.search(r"/orders/(\d+)", placed.headers["Location"])[1])


def test_under_gevent_a_buyer_pays_through_the_apps_own_gateway(tmp_path):
    server, logins = demo_site_paying_online(tmp_path, live.ARTIFACTS / "gunicorn-dev-gateway.log")
    base = server.url
    try:
        buyer, _ = live.login(base, *logins["买家"])
        for channel in ("alipay", "wechat"):
            order_id = _order_paying_online(base, buyer, channel)
            pay_page = buyer.get(f"{base}/orders/{order_id}/pay", timeout=10).text
            # The app asks its own gateway over HTTP, from inside the buyer's request.
            sent = buyer.post(f"{base}/orders/{order_id}/pay", allow_redirects=False, timeout=15, data={
                "csrf_token": csrf_token(pay_page), "channel": channel, "kind": "mobile_web"})
            assert sent.status_code == 303, sent.text
            cashier = sent.headers["Location"]
            assert cashier.startswith(f"{base}/dev-gateway/")
            page = buyer.get(cashier, timeout=10)
            assert "Development gateway" in page.text
            action = re.search(r'<form method="post" action="([^"]+)"', page.text)[1]
            # The gateway sends the app its notification from inside this request.
            paid = buyer.post(base + action.replace("&amp;", "&"), allow_redirects=False, timeout=15)
            # Both send the buyer back to the pay page (WeChat Pay H5 through redirect_url).
            assert paid.headers.get("Location") == f"{base}/orders/{order_id}/pay", paid.text
            order = buyer.get(f"{base}/orders/{order_id}/pay", timeout=10).text
            assert "订单当前为「待接单」，无需再付款" in order, (channel, order)
    finally:
        server.stop()


def test_its_folder_may_come_from_the_environment(tmp_path, monkeypatch):
    """PAYMENT_DEV_GATEWAY_DIR as the README lists it: an environment setting, as every other
    (two servers started side by side each keep their own keys and lock)."""
    values = settings(tmp_path)
    values.pop("PAYMENT_DEV_GATEWAY_DIR")
    monkeypatch.setenv("PAYMENT_DEV_GATEWAY_DIR", str(tmp_path / "from-env"))
    create_app(values)
    assert (tmp_path / "from-env").is_dir()
    assert not (tmp_path / "gw").exists()
