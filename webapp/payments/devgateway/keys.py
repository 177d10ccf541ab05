"""Throw-away keys for the development gateway and the tests: made fresh, kept in memory (or in
a folder the caller chooses, `kept_keys`), never committed."""
from __future__ import annotations

import json
import os
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
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
    wechat_merchant_cert: x509.Certificate | None = None
    wechat_platform_cert: x509.Certificate | None = None

    def __post_init__(self):
        self.wechat_merchant_cert = self.wechat_merchant_cert or certificate(
            self.wechat_merchant_key, "merchant (development)")
        self.wechat_platform_cert = self.wechat_platform_cert or certificate(
            self.wechat_platform_key, "platform (development)")

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


KEY_FIELDS = ("alipay_app_key", "alipay_gateway_key", "wechat_merchant_key", "wechat_platform_key")
CERT_FIELDS = ("wechat_merchant_cert", "wechat_platform_cert")


def _as_json(keys: DevKeys) -> str:
    kept = {name: private_pem(getattr(keys, name)) for name in KEY_FIELDS}
    kept.update({name: getattr(keys, name).public_bytes(serialization.Encoding.PEM).decode("ascii")
                 for name in CERT_FIELDS})
    kept["wechat_apiv3_key"] = keys.wechat_apiv3_key
    return json.dumps(kept, indent=1)


def _from_json(text: str) -> DevKeys:
    kept = json.loads(text)
    return DevKeys(
        **{name: load_pem_private_key(kept[name].encode(), password=None) for name in KEY_FIELDS},
        **{name: x509.load_pem_x509_certificate(kept[name].encode()) for name in CERT_FIELDS},
        wechat_apiv3_key=kept["wechat_apiv3_key"])


def kept_keys(folder: Path) -> DevKeys:
    """The keys kept in `folder`/keys.json (readable by this user only), made and kept there the
    first time: a restart keeps them, so payments started before it still verify. Two processes
    starting at once both end up with the first one's keys."""
    path = folder / "keys.json"
    if not path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        draft = folder / f".keys-{os.getpid()}-{secrets.token_hex(4)}.json"
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(_as_json(DevKeys()))
        try:
            os.link(draft, path)  # never replaces keys another process kept a moment ago
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return _from_json(path.read_text(encoding="ascii"))
