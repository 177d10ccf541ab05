"""我的: changing (or adding) the account's mobile number, confirmed by an SMS code texted to the
new number, and its email, confirmed by the current password: who may take which number or
address, what ends, what is recorded, and the shared limits on asking for codes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.database import app_with_limits
from tests.support.factories import new_user
from tests.support.helpers import HX, assert_page, url
from webapp.auth import services as auth
from webapp.extensions import db
from webapp.i18n import COOKIE
from webapp.models import AuditLog, Role, SmsCode, User
from webapp.sms import CodePurpose

PASSWORD = "password123"  # tests/support/factories.new_user's
NEW = "+8613911112222"


def last_code(app) -> str:
    return app.extensions["sms"].sent[-1].params[0]


def _send(client, app, mobile="139 1111 2222", **environ):
    return client.post(url(app, "me.mobile"), data={"action": "send", "mobile": mobile},
                       headers=HX, environ_base=environ)


def _finish(client, app, code, mobile="139 1111 2222", password=PASSWORD):
    return client.post(url(app, "me.mobile"), headers=HX,
                       data={"mobile": mobile, "code": code, "password": password})


def _user(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.mark.parametrize("role", ["buyer", "merchant", "courier", "admin"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_pages_for_every_role_in_both_languages(app, client, login_as, world, role, lang):
    user = login_as(getattr(world, role))
    client.set_cookie(COOKIE, lang)
    me = client.get(url(app, "me.index")).text
    assert url(app, "me.mobile") in me and url(app, "me.email") in me
    mobile = assert_page(client.get(url(app, "me.mobile")), "mobile-form")
    email = assert_page(client.get(url(app, "me.email")), "email-form")
    if lang == "en":
        assert ("Change mobile number" if user.mobile else "Add a mobile number") in mobile
        assert ("Change email" if user.email else "Add an email") in email
    else:
        assert ("更换手机号" if user.mobile else "绑定手机号") in mobile
        assert "获取验证码" in mobile and "当前密码" in email


def test_a_new_number_is_confirmed_by_a_code_texted_to_it(app, client, login_as, as_party, world):
    buyer = login_as(world.buyer)
    elsewhere = as_party(buyer)
    sent = _send(client, app)
    assert sent.status_code == 200 and "验证码已发送至 139****2222" in sent.text
    message = app.extensions["sms"].sent[-1]
    assert message.mobile == NEW and _user(buyer).mobile is None  # nothing changed yet
    done = _finish(client, app, last_code(app))
    assert done.status_code == 204 and done.headers["HX-Redirect"] == "/me"
    assert _user(buyer).mobile == NEW
    assert client.get(url(app, "me.index")).status_code == 200  # this session goes on
    assert elsewhere.get(url(app, "me.index")).status_code == 302  # the others have ended
    assert auth.find_by_login("13911112222").id == buyer.id  # a login now, by password or code
    assert "139 1111 2222" in client.get(url(app, "me.index")).text
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.mobile_changed"))
    assert (entry.actor_id, entry.subject_id, entry.detail) == (
        buyer.id, buyer.id, {"old": "", "new": "139****2222"})
    row = db.session.scalar(select(SmsCode).where(SmsCode.mobile == NEW))
    assert row.purpose is CodePurpose.MOBILE and row.used_at is not None


# What the person types and what comes back: on sending a code, or finishing with one.
REFUSALS = [
    # another account's number, however it is stored (a courier's as its shop typed it)
    ("send", "courier", 409, "该手机号已被其他账号使用"),
    ("finish", "courier", 409, "该手机号已被其他账号使用"),
    ("send", "own", 409, "这已经是你账号的手机号"),
    ("send", "01012345678", 422, "请输入正确的中国大陆手机号"),
    ("finish", "wrong code", 422, "验证码不正确，还可以再试 4 次"),
    ("finish", "code of another number", 422, "请先获取验证码"),
    ("finish", "wrong password", 422, "当前密码不正确"),
    ("finish", "no password", 422, "请输入当前密码"),
]


@pytest.mark.parametrize("step, case, status, says", REFUSALS, ids=[r[1] + "-" + r[0] for r in REFUSALS])
def test_refusals_say_why_and_change_nothing(app, client, login_as, world, step, case, status, says):
    courier_number = world.courier.mobile  # 11 digits, as the shop typed it
    buyer = world.buyer
    buyer.mobile = "+8613700001111"
    db.session.commit()
    login_as(buyer)
    mobile = {"courier": courier_number, "own": "137 0000 1111", "01012345678": "01012345678",
              "code of another number": "139 3333 4444"}.get(case, "139 1111 2222")
    if step == "send":
        refused = _send(client, app, mobile)
    else:
        if case == "courier":  # sent before the courier took it: refused when finishing too
            _send(client, app, "139 5555 6666")
            world.courier.mobile, mobile = "+8613955556666", "139 5555 6666"
            db.session.commit()
        else:
            _send(client, app)
        code = last_code(app)
        refused = _finish(client, app, "000000" if case == "wrong code" and code != "000000"
                          else code, mobile=mobile,
                          password={"wrong password": "wrong-one-2026", "no password": ""}.get(
                              case, PASSWORD))
    assert refused.status_code == status and says in refused.text, refused.text[-800:]
    assert 'id="mobile-form"' in refused.text and mobile in refused.text  # kept as typed
    assert _user(buyer).mobile == "+8613700001111"
    if case == "wrong password":  # the code is not spent on a refused password
        assert _finish(client, app, last_code(app)).status_code == 204


def test_an_account_without_a_password_changes_its_number_by_code_alone(app, client, login_as,
                                                                      world):
    world.buyer.password_hash = ""
    db.session.commit()
    login_as(world.buyer)
    assert 'name="password"' not in client.get(url(app, "me.mobile")).text
    _send(client, app)
    assert _finish(client, app, last_code(app), password="").status_code == 204
    assert _user(world.buyer).mobile == NEW


@pytest.fixture
def limited_app(tmp_path):
    yield from app_with_limits(SMS_NUMBER_LIMIT="1 per minute", SMS_ADDRESS_LIMIT="2 per minute")


def test_codes_for_a_new_number_share_the_sign_up_forms_limits(limited_app):
    app = limited_app
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = new_user(Role.BUYER).get_id()
    first = _send(client, app, REMOTE_ADDR="198.51.100.1")
    assert first.status_code == 200
    again = _send(client, app, "+86 139 1111 2222", REMOTE_ADDR="198.51.100.2")
    assert again.status_code == 429 and "这个手机号获取验证码太频繁了" in again.text
    signup = app.test_client().post(url(app, "auth.phone_register"), data={
        "action": "send", "mobile": "13911112222"}, environ_base={"REMOTE_ADDR": "198.51.100.3"})
    assert signup.status_code == 429  # one number's limit over every form
    assert _send(client, app, "139 2222 3333", REMOTE_ADDR="198.51.100.1").status_code == 200
    tired = _send(client, app, "139 2222 4444", REMOTE_ADDR="198.51.100.1")
    assert tired.status_code == 429 and "获取验证码太频繁了" in tired.text


def _email(client, app, email, password=PASSWORD):
    return client.post(url(app, "me.email"), headers=HX,
                       data={"email": email, "password": password})


def test_an_email_is_changed_with_the_current_password(app, client, login_as, as_party, world):
    buyer = login_as(world.buyer)
    old = buyer.email
    elsewhere = as_party(buyer)
    done = _email(client, app, " New.Name@Example.com ")
    assert done.status_code == 204 and done.headers["HX-Redirect"] == "/me"
    assert _user(buyer).email == "new.name@example.com"
    assert auth.authenticate("new.name@example.com", PASSWORD).id == buyer.id
    assert auth.authenticate(old, PASSWORD) is None
    assert client.get(url(app, "me.index")).status_code == 200
    assert elsewhere.get(url(app, "me.index")).status_code == 302
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "account.email_changed"))
    assert entry.detail == {"old": old[0] + "***@example.com", "new": "n***@example.com"}


@pytest.mark.parametrize("email, password, status, says", [
    ("not-an-email", PASSWORD, 422, "邮箱格式不正确"),
    ("", PASSWORD, 422, "请输入邮箱"),
    ("fresh@example.com", "wrong-one-2026", 422, "当前密码不正确"),
    ("fresh@example.com", "", 422, "请输入当前密码"),
    ("merchant", PASSWORD, 409, "该邮箱已被其他账号使用"),
    ("MERCHANT", PASSWORD, 409, "该邮箱已被其他账号使用"),
    ("own", PASSWORD, 409, "这已经是你账号的邮箱"),
])
def test_email_refusals(app, client, login_as, world, email, password, status, says):
    buyer = login_as(world.buyer)
    before = buyer.email
    email = {"merchant": world.merchant.email, "MERCHANT": world.merchant.email.upper(),
             "own": before}.get(email, email)
    refused = _email(client, app, email, password)
    assert refused.status_code == status and says in refused.text
    assert 'id="email-form"' in refused.text
    assert _user(buyer).email == before


def test_an_account_without_a_password_sets_one_before_adding_an_email(app, client, login_as,
                                                                     world):
    world.buyer.password_hash = ""
    db.session.commit()
    login_as(world.buyer)
    text = client.get(url(app, "me.email")).text
    assert "还没有设置密码" in text and url(app, "auth.reset_password") in text
    assert _email(client, app, "fresh@example.com", "").status_code == 422
    assert _user(world.buyer).email != "fresh@example.com"


def test_without_javascript_the_forms_post_and_redirect(app, client, login_as, world):
    """The same two forms as plain posts: a whole page when refused, a redirect to 我的 when done."""
    buyer = login_as(world.buyer)
    refused = client.post(url(app, "me.email"), data={"email": world.merchant.email,
                                                      "password": PASSWORD})
    assert "该邮箱已被其他账号使用" in assert_page(refused, "email-form", status=409)
    done = client.post(url(app, "me.email"), data={"email": "plain@example.com",
                                                   "password": PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/me"
    assert "邮箱已保存" in client.get("/me").text
    sent = client.post(url(app, "me.mobile"), data={"action": "send", "mobile": "139 1111 2222"})
    assert "验证码已发送至 139****2222" in assert_page(sent, "mobile-form")
    done = client.post(url(app, "me.mobile"), data={"mobile": "139 1111 2222",
                                                    "code": last_code(app), "password": PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/me"
    assert _user(buyer).mobile == NEW
