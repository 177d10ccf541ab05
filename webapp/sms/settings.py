"""The SMS settings, from the app config or else the environment (README, configuration)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

PROVIDERS = ("log", "tencent")
TENCENT_ENDPOINT = "https://sms.tencentcloudapi.com"
TENCENT_REQUIRED = ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "SMS_SDK_APP_ID",
                    "SMS_SIGN_NAME", "SMS_TEMPLATE_CODE")


class ConfigurationError(RuntimeError):
    pass


def lookup(config: Mapping, name: str, default: str = "") -> str:
    value = config.get(name)
    if value is None:
        value = os.environ.get(name, default)
    return str(value).strip()


@dataclass(frozen=True)
class TencentSettings:
    secret_id: str
    secret_key: str
    sdk_app_id: str                # the SMS application (SmsSdkAppId), from the SMS console
    sign_name: str                 # the approved signature, e.g. 信集
    templates: dict = field(default_factory=dict)  # setting name -> template id
    region: str = "ap-guangzhou"
    endpoint: str = TENCENT_ENDPOINT  # scheme and host; tests point it at 127.0.0.1
    timeout: int = 5

    @property
    def scheme(self) -> str:
        return urlsplit(self.endpoint).scheme or "https"

    @property
    def host(self) -> str:
        return urlsplit(self.endpoint).netloc or self.endpoint


def provider_name(config: Mapping) -> str:
    name = lookup(config, "SMS_PROVIDER", "log").lower() or "log"
    if name == "aliyun":
        raise ConfigurationError("SMS_PROVIDER=aliyun is not built yet: use tencent (README, SMS).")
    if name not in PROVIDERS:
        raise ConfigurationError(f"SMS_PROVIDER={name!r}: choose one of {', '.join(PROVIDERS)}")
    return name


def tencent(config: Mapping, template_settings: tuple[str, ...]) -> TencentSettings:
    """Tencent Cloud SMS's settings; a missing required one is refused by name."""
    missing = [name for name in TENCENT_REQUIRED if not lookup(config, name)]
    if missing:
        raise ConfigurationError("SMS_PROVIDER=tencent needs " + ", ".join(missing))
    endpoint = lookup(config, "SMS_ENDPOINT", TENCENT_ENDPOINT)
    if urlsplit(endpoint).scheme not in {"http", "https"}:
        raise ConfigurationError(f"SMS_ENDPOINT must be an http(s) address: {endpoint!r}")
    templates = {name: lookup(config, name) for name in template_settings if lookup(config, name)}
    return TencentSettings(
        secret_id=lookup(config, "TENCENTCLOUD_SECRET_ID"),
        secret_key=lookup(config, "TENCENTCLOUD_SECRET_KEY"),
        sdk_app_id=lookup(config, "SMS_SDK_APP_ID"), sign_name=lookup(config, "SMS_SIGN_NAME"),
        templates=templates, region=lookup(config, "SMS_REGION", "ap-guangzhou"),
        endpoint=endpoint, timeout=int(lookup(config, "SMS_TIMEOUT_SECONDS", "5")))
