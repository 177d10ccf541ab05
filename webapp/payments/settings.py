"""The channels' settings, from the app config or else the environment.

A channel is configured when its app id is set; half a configuration is refused by name. Keys
and certificates may be given as PEM text, as a path to a PEM file, or (as the channels' consoles
hand them out) as bare base64."""
from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from webapp.payments.channels import ConfigurationError

ALIPAY_GATEWAY = "https://openapi.alipay.com/gateway.do"
ALIPAY_SANDBOX_GATEWAY = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"
WECHATPAY_GATEWAY = "https://api.mch.weixin.qq.com"


@dataclass(frozen=True)
class AlipaySettings:
    app_id: str                # the platform's third-party (ISV) app
    app_private_key: str       # PEM: signs requests
    alipay_public_key: str     # PEM: verifies responses and notifications
    gateway_url: str = ALIPAY_GATEWAY
    timeout: float = 10.0


@dataclass(frozen=True)
class WechatPaySettings:
    sp_appid: str
    sp_mchid: str              # the platform's service-provider merchant id
    private_key: str           # PEM of the merchant API certificate's key: signs requests
    cert_serial_no: str        # that certificate's serial number
    apiv3_key: str             # 32 characters: decrypts notifications
    platform_cert_dir: str = ""  # platform certificates (*.pem), where the SDK also keeps new ones
    public_key: str = ""       # or WeChat Pay's public key (PEM) and its id, for newer merchants
    public_key_id: str = ""
    gateway_url: str = WECHATPAY_GATEWAY
    timeout: float = 10.0
    notify_max_age: int = 300  # seconds a notification's timestamp may be off


@dataclass(frozen=True)
class PaymentSettings:
    alipay: AlipaySettings | None
    wechatpay: WechatPaySettings | None


def _lookup(config: Mapping, name: str, default: str = "") -> str:
    value = config.get(name)
    if value is None:
        value = os.environ.get(name, default)
    return str(value).strip()


def _is_file(value: str) -> bool:
    """Whether `value` names a file; bare base64 holds "/", and a part of it longer than a file
    name may be makes the system refuse the question (ENAMETOOLONG): not a file either."""
    try:
        return Path(value).is_file()
    except OSError:
        return False


def pem_text(value: str, *, private: bool, name: str) -> str:
    """The PEM text of a key given as PEM, as a path to a PEM file, or as bare base64 (DER)."""
    if value.startswith("-----BEGIN"):
        return value if value.endswith("\n") else value + "\n"
    if "\n" not in value and len(value) < 4096 and _is_file(value):
        return pem_text(Path(value).read_text(encoding="ascii").strip(), private=private, name=name)
    try:
        der = base64.b64decode("".join(value.split()), validate=True)
        if private:
            key = serialization.load_der_private_key(der, password=None)
            return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode("ascii")
        return serialization.load_der_public_key(der).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    except (binascii.Error, ValueError, TypeError) as error:
        raise ConfigurationError(f"{name}: neither PEM, nor a PEM file, nor a base64 key") from error


def _required(config: Mapping, names: tuple[str, ...]) -> dict[str, str]:
    values = {name: _lookup(config, name) for name in names}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigurationError("payment channel half configured, missing: " + ", ".join(missing))
    return values


def _alipay(config: Mapping) -> AlipaySettings | None:
    if not _lookup(config, "ALIPAY_APP_ID"):
        return None
    v = _required(config, ("ALIPAY_APP_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY"))
    return AlipaySettings(
        app_id=v["ALIPAY_APP_ID"],
        app_private_key=pem_text(v["ALIPAY_APP_PRIVATE_KEY"], private=True, name="ALIPAY_APP_PRIVATE_KEY"),
        alipay_public_key=pem_text(v["ALIPAY_PUBLIC_KEY"], private=False, name="ALIPAY_PUBLIC_KEY"),
        gateway_url=_lookup(config, "ALIPAY_GATEWAY_URL", ALIPAY_GATEWAY),
        timeout=float(_lookup(config, "PAYMENT_TIMEOUT_SECONDS", "10")))


def _wechatpay_platform(config: Mapping) -> dict[str, str]:
    cert_dir = _lookup(config, "WECHATPAY_PLATFORM_CERT_DIR")
    public_key = _lookup(config, "WECHATPAY_PUBLIC_KEY")
    public_key_id = _lookup(config, "WECHATPAY_PUBLIC_KEY_ID")
    if public_key or public_key_id:
        if not (public_key and public_key_id):
            raise ConfigurationError("WECHATPAY_PUBLIC_KEY and WECHATPAY_PUBLIC_KEY_ID go together")
        public_key = pem_text(public_key, private=False, name="WECHATPAY_PUBLIC_KEY")
    elif not (cert_dir and any(Path(cert_dir).glob("*.pem"))):
        # Without either the SDK would fetch the certificates from its built-in address at once.
        raise ConfigurationError("WECHATPAY_PLATFORM_CERT_DIR (a folder holding the platform "
                                 "certificate's .pem) or WECHATPAY_PUBLIC_KEY(_ID) is required")
    return {"platform_cert_dir": cert_dir if not public_key else "", "public_key": public_key,
            "public_key_id": public_key_id}


def _wechatpay(config: Mapping) -> WechatPaySettings | None:
    if not _lookup(config, "WECHATPAY_SP_APPID"):
        return None
    v = _required(config, ("WECHATPAY_SP_APPID", "WECHATPAY_SP_MCHID", "WECHATPAY_PRIVATE_KEY",
                           "WECHATPAY_CERT_SERIAL_NO", "WECHATPAY_APIV3_KEY"))
    if len(v["WECHATPAY_APIV3_KEY"].encode()) != 32:
        raise ConfigurationError("WECHATPAY_APIV3_KEY is 32 characters (an AES-256 key)")
    return WechatPaySettings(
        sp_appid=v["WECHATPAY_SP_APPID"], sp_mchid=v["WECHATPAY_SP_MCHID"],
        private_key=pem_text(v["WECHATPAY_PRIVATE_KEY"], private=True, name="WECHATPAY_PRIVATE_KEY"),
        cert_serial_no=v["WECHATPAY_CERT_SERIAL_NO"], apiv3_key=v["WECHATPAY_APIV3_KEY"],
        **_wechatpay_platform(config),
        gateway_url=_lookup(config, "WECHATPAY_GATEWAY_URL", WECHATPAY_GATEWAY).rstrip("/"),
        timeout=float(_lookup(config, "PAYMENT_TIMEOUT_SECONDS", "10")),
        notify_max_age=int(_lookup(config, "WECHATPAY_NOTIFY_MAX_AGE_SECONDS", "300")))


def load(config: Mapping) -> PaymentSettings:
    """Both channels' settings; a channel not configured is None."""
    return PaymentSettings(alipay=_alipay(config), wechatpay=_wechatpay(config))
