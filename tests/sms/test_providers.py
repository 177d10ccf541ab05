"""The SMS providers: the development one writes to the log, Tencent Cloud's official SDK sends a
signed SendSms request (checked against a local endpoint that answers as the API does), and the
settings refuse half a configuration by name."""
from __future__ import annotations

import logging

import pytest
from flask import Flask

from tests.support.sms_endpoint import tencent_sms_endpoint
from webapp import create_app
from webapp.config import TestConfig
from webapp.sms import CodePurpose, NoticeKind, SmsError, build, init_app, send_code, send_notice
from webapp.sms.providers import LogProvider
from webapp.sms.settings import ConfigurationError
from webapp.sms.tencent import TencentProvider

MOBILE = "+8613812345678"
TENCENT = {"SMS_PROVIDER": "tencent", "TENCENTCLOUD_SECRET_ID": "AKIDtest", "TENCENTCLOUD_SECRET_KEY":
           "test-secret-key", "SMS_SDK_APP_ID": "1400000001", "SMS_SIGN_NAME": "信集",
           "SMS_TEMPLATE_CODE": "100001", "SMS_TEMPLATE_ORDER_PLACED": "100002",
           "SMS_REGION": "ap-guangzhou", "SMS_TIMEOUT_SECONDS": "3"}


def test_the_development_provider_writes_the_code_to_the_log(app, caplog):
    assert isinstance(app.extensions["sms"], LogProvider)
    with caplog.at_level(logging.WARNING, logger="webapp.sms"), app.app_context():
        send_code(MOBILE, "042137", CodePurpose.REGISTER)
        send_notice(MOBILE, NoticeKind.ORDER_PLACED, {"order_no": "A1024"})
    assert "to +8613812345678 [register]: 您的验证码为042137，5分钟内有效" in caplog.text
    assert "您的店铺有新订单A1024" in caplog.text
    assert [m.params for m in app.extensions["sms"].sent] == [["042137", "5"], ["A1024"]]


def test_make_run_says_where_codes_go(app):
    out = app.test_cli_runner().invoke(args=["sms", "status"]).output
    assert "go to the server log" in out


def test_tencent_sends_a_signed_send_sms_request():
    with tencent_sms_endpoint() as endpoint:
        provider = build({**TENCENT, "SMS_ENDPOINT": endpoint.url})
        assert isinstance(provider, TencentProvider)
        provider.send_code(MOBILE, "042137", CodePurpose.LOGIN)
        provider.send_notice(MOBILE, NoticeKind.ORDER_PLACED, {"order_no": "A1024"})
    code, notice = endpoint.requests
    headers = code.headers
    assert (headers["x-tc-action"], headers["x-tc-version"], headers["x-tc-region"]) == \
        ("SendSms", "2021-01-11", "ap-guangzhou")
    assert headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDtest/")
    assert "Signature=" in headers["authorization"] and "test-secret-key" not in str(code)
    assert code.body == {"PhoneNumberSet": [MOBILE], "SmsSdkAppId": "1400000001", "SignName": "信集",
                         "TemplateId": "100001", "TemplateParamSet": ["042137", "5"]}
    assert (notice.body["TemplateId"], notice.body["TemplateParamSet"]) == ("100002", ["A1024"])


@pytest.mark.parametrize("answer", [{"status_code": "LimitExceeded.PhoneNumberDailyLimit"},
                                    {"error_code": "AuthFailure.SignatureFailure"}])
def test_a_refusal_is_an_sms_error(answer):
    with tencent_sms_endpoint() as endpoint:
        for name, value in answer.items():
            setattr(endpoint, name, value)
        provider = build({**TENCENT, "SMS_ENDPOINT": endpoint.url})
        with pytest.raises(SmsError, match=next(iter(answer.values()))):
            provider.send_code(MOBILE, "042137", CodePurpose.LOGIN)


def test_a_notice_without_its_template_or_params_is_not_sent():
    with tencent_sms_endpoint() as endpoint:
        provider = build({**TENCENT, "SMS_ENDPOINT": endpoint.url})
        with pytest.raises(SmsError, match="SMS_TEMPLATE_ORDER_ARRIVING"):
            provider.send_notice(MOBILE, NoticeKind.ORDER_ARRIVING, {"order_no": "A1"})
        with pytest.raises(ValueError, match="order_no"):
            provider.send_notice(MOBILE, NoticeKind.ORDER_PLACED, {"order": "A1"})
    assert endpoint.requests == []


@pytest.mark.parametrize("config, refused", [
    ({"SMS_PROVIDER": "carrier-pigeon"}, "choose one of log, tencent"),
    ({"SMS_PROVIDER": "aliyun"}, "not built yet"),
    ({**TENCENT, "SMS_SIGN_NAME": "", "SMS_TEMPLATE_CODE": ""}, "SMS_SIGN_NAME, SMS_TEMPLATE_CODE"),
    ({**TENCENT, "SMS_ENDPOINT": "ftp://x"}, "SMS_ENDPOINT"),
])
def test_half_a_configuration_is_refused_by_name(config, refused):
    with pytest.raises(ConfigurationError, match=refused):
        build(config)
    with pytest.raises(ConfigurationError, match=refused):
        create_app({**vars_of(TestConfig), **config})


def vars_of(config_class) -> dict:
    return {k: getattr(config_class, k) for k in dir(config_class) if k.isupper()}


@pytest.mark.parametrize("env, warned", [("production", True), ("development", False)])
def test_production_on_the_log_provider_is_warned_about(caplog, env, warned):
    app = Flask(__name__)
    app.config["APP_ENV"] = env
    with caplog.at_level(logging.WARNING, logger="webapp.sms"):
        init_app(app)
    assert ("nobody receives them" in caplog.text) is warned
