"""Settings: from the config or the environment, keys in any of the forms consoles give them,
half a configuration refused by name, nothing leaving 127.0.0.1 in tests."""
from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives import serialization

from tests.support.payments import ALIPAY_SHOP, WECHAT_SHOP, OutsideConnectionBlocked
from webapp.payments import configured_channels
from webapp.payments.channels import ConfigurationError, PaymentKind
from webapp.payments.devgateway import refuse_in_production
from webapp.payments.devgateway.keys import new_key, private_pem
from webapp.payments.settings import ALIPAY_GATEWAY, WECHATPAY_GATEWAY, load, pem_text

PREFIXES = ("ALIPAY_", "WECHATPAY_", "PAYMENT_")


@pytest.fixture
def no_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith(PREFIXES):
            monkeypatch.delenv(name)


def test_no_settings_no_channels(no_environment):
    assert configured_channels({}) == {}


def test_settings_come_from_the_environment_too(no_environment, monkeypatch, world):
    for name, value in world.config.items():
        monkeypatch.setenv(name, value)
    assert set(configured_channels({})) == {"alipay", "wechat"}
    assert load({}).wechatpay.gateway_url == world.config["WECHATPAY_GATEWAY_URL"]


def test_defaults_are_the_real_gateways(no_environment, world):
    config = {k: v for k, v in world.config.items() if not k.endswith("GATEWAY_URL")}
    settings = load(config)
    assert settings.alipay.gateway_url == ALIPAY_GATEWAY
    assert settings.wechatpay.gateway_url == WECHATPAY_GATEWAY


@pytest.mark.parametrize("missing", ["ALIPAY_PUBLIC_KEY", "WECHATPAY_APIV3_KEY", "WECHATPAY_CERT_SERIAL_NO"])
def test_half_a_configuration_is_refused_by_name(no_environment, world, missing):
    with pytest.raises(ConfigurationError, match=missing):
        load({k: v for k, v in world.config.items() if k != missing})


def test_wechatpay_needs_a_platform_certificate_or_public_key(no_environment, world, tmp_path):
    with pytest.raises(ConfigurationError, match="WECHATPAY_PLATFORM_CERT_DIR"):
        load({**world.config, "WECHATPAY_PLATFORM_CERT_DIR": str(tmp_path)})
    with pytest.raises(ConfigurationError, match="32"):
        load({**world.config, "WECHATPAY_APIV3_KEY": "short"})


def test_keys_as_pem_path_or_bare_base64(tmp_path):
    key = new_key()
    pem = private_pem(key)
    path = tmp_path / "apiclient_key.pem"
    path.write_text(pem)
    bare = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
    assert pem_text(pem, private=True, name="K") == pem_text(str(path), private=True, name="K") == \
        pem_text(bare, private=True, name="K") == pem
    with pytest.raises(ConfigurationError, match="K"):
        pem_text(base64.b64encode(b"not a key").decode(), private=True, name="K")
    with pytest.raises(ConfigurationError):
        pem_text(str(tmp_path / "missing.pem"), private=True, name="K")


def test_wechatpay_public_key_mode(no_environment, world):
    """Newer merchants get WeChat Pay's public key and its id instead of platform certificates."""
    public = world.keys.wechat_platform_cert.public_key()
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    channel = world.channels(WECHATPAY_PLATFORM_CERT_DIR="", WECHATPAY_PUBLIC_KEY=pem.decode(),
                             WECHATPAY_PUBLIC_KEY_ID=world.wechat.platform_serial)["wechat"]
    with pytest.raises(ConfigurationError, match="together"):
        load({**world.config, "WECHATPAY_PUBLIC_KEY": pem.decode()})
    link = channel.create_payment(WECHAT_SHOP, kind=PaymentKind.QR, out_trade_no="PK1", amount_fen=1,
                                  subject="Salt", notify_url=world.notify_url)
    assert channel.query_payment(WECHAT_SHOP, link.out_trade_no).amount_fen == 1


@pytest.mark.parametrize("name", ["alipay", "wechat"])
def test_a_forgotten_gateway_setting_fails_loudly(world, outside_attempts, name):
    """Left at the real gateway, a test call is stopped before it leaves the machine."""
    config = {k: v for k, v in world.config.items() if not k.endswith("GATEWAY_URL")}
    channel = configured_channels(config)[name]
    with pytest.raises(OutsideConnectionBlocked):
        channel.query_payment(WECHAT_SHOP if name == "wechat" else ALIPAY_SHOP, "T-anything")
    assert outside_attempts and outside_attempts[0] in {"openapi.alipay.com", "api.mch.weixin.qq.com"}


def test_the_development_gateway_is_refused_in_production():
    with pytest.raises(RuntimeError, match="production"):
        refuse_in_production("production")
    refuse_in_production("development")
