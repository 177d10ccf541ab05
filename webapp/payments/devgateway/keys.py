"""Throw-away keys for the development gateway and the tests: made fresh, kept in memory (or in
a folder the caller chooses), never committed."""
from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def certificate(key: rsa.RSAPrivateKey, common_name: str) -> x509.Certificate:
    """A self-signed certificate for `key`, valid from a day ago for a year."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .sign(key, hashes.SHA256()))


def serial_hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "X")


@dataclass
class DevKeys:
    """Every key both sides need: the platform's (app) keys and each gateway's own."""

    alipay_app_id: str = "2021000000000001"
    alipay_app_key: rsa.RSAPrivateKey = field(default_factory=new_key)
    alipay_gateway_key: rsa.RSAPrivateKey = field(default_factory=new_key)
    wechat_sp_appid: str = "wx0000000000000001"
    wechat_sp_mchid: str = "1900000001"
    wechat_merchant_key: rsa.RSAPrivateKey = field(default_factory=new_key)
    wechat_platform_key: rsa.RSAPrivateKey = field(default_factory=new_key)
    wechat_apiv3_key: str = field(default_factory=lambda: "".join(
        secrets.choice(string.ascii_letters + string.digits) for _ in range(32)))

    def __post_init__(self):
        self.wechat_merchant_cert = certificate(self.wechat_merchant_key, "merchant (development)")
        self.wechat_platform_cert = certificate(self.wechat_platform_key, "platform (development)")

    def write_platform_cert(self, folder: Path) -> Path:
        """The WeChat Pay platform certificate as the SDK reads it: <serial>.pem in a folder."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{serial_hex(self.wechat_platform_cert)}.pem"
        path.write_bytes(self.wechat_platform_cert.public_bytes(serialization.Encoding.PEM))
        return path

    def app_config(self, *, alipay_url: str, wechatpay_url: str, cert_dir: Path) -> dict[str, str]:
        """The app's payment settings for gateways at these addresses."""
        self.write_platform_cert(cert_dir)
        return {
            "ALIPAY_APP_ID": self.alipay_app_id, "ALIPAY_APP_PRIVATE_KEY": private_pem(self.alipay_app_key),
            "ALIPAY_PUBLIC_KEY": public_pem(self.alipay_gateway_key), "ALIPAY_GATEWAY_URL": alipay_url,
            "WECHATPAY_SP_APPID": self.wechat_sp_appid, "WECHATPAY_SP_MCHID": self.wechat_sp_mchid,
            "WECHATPAY_PRIVATE_KEY": private_pem(self.wechat_merchant_key),
            "WECHATPAY_CERT_SERIAL_NO": serial_hex(self.wechat_merchant_cert),
            "WECHATPAY_APIV3_KEY": self.wechat_apiv3_key, "WECHATPAY_PLATFORM_CERT_DIR": str(cert_dir),
            "WECHATPAY_GATEWAY_URL": wechatpay_url, "PAYMENT_TIMEOUT_SECONDS": "5",
        }
