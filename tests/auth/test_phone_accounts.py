"""Accounts by mobile number: the SMS code rules (hashed, 5 minutes on a movable clock, limited
tries, used once, the newest only), registering, signing in and resetting the password with a
code, the consent recorded, and how often codes may be asked for, per number and per address."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.database import app_with_limits
from tests.support.helpers import HX, url
from tests.support.sms_endpoint import tencent_sms_endpoint
from webapp.auth import codes, services
from webapp.auth.consent import PRIVACY_POLICY_VERSION
from webapp.auth.mobile import normalise_mobile
from webapp.auth.services import authenticate, hash_password
from webapp.extensions import db
from webapp.models import Role, SmsCode, User, utcnow
from webapp.sms import CodePurpose, build

MOBILE = "+8613812345678"


@pytest.mark.parametrize("typed, stored", [
    ("13812345678", MOBILE), ("+86 138 1234 5678", MOBILE), ("0086-138-1234-5678", MOBILE),
    ("19912345678", "+8619912345678"), ("01062345678", None), ("+14155552671", None),
    ("1381234567", None), ("138123456789", None), ("abc", None), ("", None), ("1" * 40, None),
])
def test_only_mainland_mobiles_are_taken_and_kept_in_e164(typed, stored):
    assert normalise_mobile(typed) == stored


def last_code(app) -> str:
    return app.extensions["sms"].sent[-1].params[0]


def test_a_code_is_kept_only_as_a_keyed_hash(app):
    with app.app_context():
        code = codes.issue(MOBILE, CodePurpose.LOGIN)
        row = db.session.scalar(select(SmsCode))
        assert len(code) == 6 and code.isdigit()
        assert code not in (row.code_hash, row.mobile) and len(row.code_hash) == 64
        assert row.code_hash == codes.code_hash(MOBILE, CodePurpose.LOGIN, code)
        app.config["SECRET_KEY"] = "another-key"  # a plain hash would not depend on the key
        assert row.code_hash != codes.code_hash(MOBILE, CodePurpose.LOGIN, code)


def refusal(mobile, purpose, code, now=None) -> str | None:
    try:
        codes.take(mobile, purpose, code, now=now)
    except codes.CodeRefused as error:
        return error.untranslated
    db.session.commit()
    return None


# Each row: seconds after the code was sent, then what is typed ("right" for the code) and what
# comes of it, in order on one code.
RULES = {
    "right within 5 minutes": [(299, "right", None)],
    "expired at 5 minutes": [(300, "right", codes.EXPIRED)],
    "used once": [(10, "right", None), (20, "right", codes.USED)],
    "five wrong tries": [(1, "000000", codes.WRONG)] * 4 + [(1, "000000", codes.LOCKED),
                                                            (2, "right", codes.LOCKED)],
    "four wrong then right": [(1, "000000", codes.WRONG)] * 4 + [(2, "right", None)],
    "spaces around it": [(5, " {right} ", None)],
}


@pytest.mark.parametrize("steps", RULES.values(), ids=RULES.keys())
def test_code_rules_on_a_movable_clock(app, steps):
    with app.app_context():
        sent_at = utcnow()
        code = codes.issue(MOBILE, CodePurpose.LOGIN, now=sent_at)
        if code.startswith("000000"):
            pytest.skip("drew the wrong code itself")
        for seconds, typed, expected in steps:
            typed = code if typed == "right" else typed.format(right=code)
            assert refusal(MOBILE, CodePurpose.LOGIN, typed, sent_at + timedelta(seconds=seconds)) \
                == expected


def test_only_the_newest_code_of_a_number_and_purpose_counts(app):
    with app.app_context():
        first = codes.issue(MOBILE, CodePurpose.LOGIN)
        second = codes.issue(MOBILE, CodePurpose.LOGIN)
        reset = codes.issue(MOBILE, CodePurpose.RESET)
        assert refusal("+8613900000000", CodePurpose.LOGIN, second) == codes.NO_CODE
        if reset != second:  # a reset code does not sign in
            assert refusal(MOBILE, CodePurpose.LOGIN, reset) == codes.WRONG
        if first != second:
            assert refusal(MOBILE, CodePurpose.LOGIN, first) == codes.WRONG
        assert refusal(MOBILE, CodePurpose.LOGIN, second) is None
        assert refusal(MOBILE, CodePurpose.RESET, reset) is None


def send(client, endpoint, mobile="13812345678", address="198.51.100.7", **fields):
    return client.post(url(client.application, endpoint), data={"action": "send", "mobile": mobile,
                                                                 **fields},
                       environ_base={"REMOTE_ADDR": address})


def register(client, **changes):
    data = {"role": "buyer", "display_name": "小明", "mobile": "138 1234 5678",
            "code": last_code(client.application), "consent": "y", **changes}
    return client.post(url(client.application, "auth.phone_register"), data=data)


def test_a_buyer_registers_with_a_code_and_the_consent_is_recorded(app, client):
    answer = send(client, "auth.phone_register")
    assert "验证码已发送至 138****5678" in answer.text and "服务器日志" in answer.text
    assert register(client).status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.mobile, user.email, user.role, user.password_hash) == (MOBILE, None, Role.BUYER, "")
        assert user.privacy_policy_version == PRIVACY_POLICY_VERSION
        assert utcnow() - user.privacy_consent_at < timedelta(minutes=1)
    assert client.get(url(app, "auth.code_login")).status_code == 303  # signed in


@pytest.mark.parametrize("changes, message", [
    ({"consent": ""}, "请阅读并同意隐私政策后再注册"),
    ({"code": "12345"}, "验证码为 6 位数字"),
    ({"password": "12345678"}, "这个密码太常见"),
    ({"mobile": "13900000000"}, "请先获取验证码"),
])
def test_registration_is_refused_without_consent_or_the_right_code(app, client, changes, message):
    send(client, "auth.phone_register")
    answer = register(client, **changes)
    assert answer.status_code == 422 and message in answer.text
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def account(app, mobile=MOBILE, password="right-password-1") -> int:
    with app.app_context():
        user = User(mobile=mobile, role=Role.BUYER, display_name="老用户",
                    password_hash=hash_password(password))
        db.session.add(user)
        db.session.commit()
        return user.id


def test_codes_go_only_where_they_can_be_used(app, client):
    account(app, mobile="13812345678")  # a courier's number as its shop typed it
    assert "该手机号已注册" in send(client, "auth.phone_register").text
    assert "该手机号尚未注册" in send(client, "auth.code_login", mobile="13900001111").text
    assert "该手机号尚未注册" in send(client, "auth.reset_password", mobile="13900001111").text
    assert "请输入正确的中国大陆手机号" in send(client, "auth.code_login", mobile="01062345678").text
    assert len(app.extensions["sms"].sent) == 0


def test_sign_in_with_a_code_and_with_the_number_in_any_form(app, client):
    user_id = account(app)
    send(client, "auth.code_login", mobile="+86 13812345678")
    answer = client.post(url(app, "auth.code_login"), data={"mobile": "13812345678",
                                                            "code": last_code(app)}, headers=HX)
    assert answer.status_code == 204 and answer.headers["HX-Redirect"] == "/"
    with app.app_context():
        assert authenticate("138-1234-5678", "right-password-1").id == user_id


def test_a_password_reset_by_code_ends_every_other_session(app):
    account(app)
    elsewhere, here = app.test_client(), app.test_client()
    elsewhere.post(url(app, "auth.login"), data={"login": "13812345678", "password": "right-password-1"})
    assert elsewhere.get(url(app, "auth.code_login")).status_code == 303  # signed in there
    send(here, "auth.reset_password")
    answer = here.post(url(app, "auth.reset_password"), data={
        "mobile": "13812345678", "code": last_code(app), "password": "new-secret-2026",
        "confirm": "new-secret-2026"})
    assert answer.status_code == 303
    assert elsewhere.get(url(app, "auth.code_login")).status_code == 200  # signed out there
    assert here.get(url(app, "auth.code_login")).status_code == 303       # signed in here
    with app.app_context():
        assert authenticate(MOBILE, "new-secret-2026") is not None
        assert authenticate(MOBILE, "right-password-1") is None


@pytest.fixture
def limited_app(tmp_path):
    yield from app_with_limits(SMS_NUMBER_LIMIT="1 per minute;2 per day", SMS_ADDRESS_LIMIT="3 per minute")


# Each row: the number, the address, which form, and the status. One number gets one code a
# minute from any address and over the three forms; one address three codes a minute over any
# numbers; posts that finish a form do not count.
LIMIT_TABLE = [
    ("13812345678", "198.51.100.1", "auth.phone_register", 200),
    ("+8613812345678", "198.51.100.2", "auth.phone_register", 429),
    ("13812345678", "198.51.100.3", "auth.reset_password", 429),
    ("13900000001", "198.51.100.9", "auth.phone_register", 200),
    ("13900000002", "198.51.100.9", "auth.phone_register", 200),
    ("13900000003", "198.51.100.9", "auth.phone_register", 200),
    ("13900000004", "198.51.100.9", "auth.phone_register", 429),
]


def test_codes_are_limited_per_number_and_per_address(limited_app):
    client = limited_app.test_client()
    seen = [send(client, form, mobile, address, role="buyer").status_code
            for mobile, address, form, _ in LIMIT_TABLE]
    assert seen == [status for *_, status in LIMIT_TABLE]
    tired = send(client, "auth.phone_register", "13900000005", "198.51.100.9")
    assert "获取验证码太频繁了" in tired.text
    again = send(client, "auth.phone_register", "13812345678", "198.51.100.4")
    assert "这个手机号获取验证码太频繁了" in again.text
    finishing = [client.post(url(limited_app, "auth.code_login"), data={"mobile": "13900000009",
                             "code": "000000"}, environ_base={"REMOTE_ADDR": "198.51.100.9"})
                 for _ in range(3)]
    assert {a.status_code for a in finishing} == {422}


@pytest.mark.parametrize("consent, status", [("y", 303), ("", 422)])
def test_registering_by_email_asks_for_consent_too(app, client, consent, status):
    page = client.get(url(app, "auth.register")).text
    assert 'name="consent"' in page and 'href="/privacy"' in page
    answer = client.post(url(app, "auth.register"), data={
        "role": "buyer", "display_name": "新人", "email": "new@example.com",
        "password": "fresh-pass-2026", "confirm": "fresh-pass-2026", "consent": consent})
    assert answer.status_code == status
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.privacy_policy_version if user else None) == \
            (PRIVACY_POLICY_VERSION if consent else None)


def test_a_code_the_provider_refused_is_withdrawn(app, client):
    with tencent_sms_endpoint() as endpoint:
        endpoint.status_code = "LimitExceeded.PhoneNumberDailyLimit"
        app.extensions["sms"] = build({
            "SMS_PROVIDER": "tencent", "TENCENTCLOUD_SECRET_ID": "AKIDtest",
            "TENCENTCLOUD_SECRET_KEY": "test-key", "SMS_SDK_APP_ID": "1400000001",
            "SMS_SIGN_NAME": "信集", "SMS_TEMPLATE_CODE": "100001", "SMS_ENDPOINT": endpoint.url})
        answer = send(client, "auth.phone_register")
    assert answer.status_code == 422 and "短信发送失败，请稍后再试" in answer.text
    assert endpoint.requests[0].body["PhoneNumberSet"] == [MOBILE]
    with app.app_context():
        assert db.session.scalar(select(SmsCode.used_at)) is not None  # no code left to type


def test_accounts_made_without_the_form_record_no_consent(app):
    with app.app_context():
        user = services.register("seed@example.com", "fresh-pass-2026", "演示", Role.BUYER)
        assert (user.privacy_consent_at, user.privacy_policy_version) == (None, None)
