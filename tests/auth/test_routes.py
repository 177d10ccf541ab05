"""Login, registration and the login wall, as a page and as an htmx swap."""
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tests.support.helpers import (
    HX,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    checked_radio,
    input_value,
    url,
)
from webapp.extensions import db
from webapp.models import Role, User


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_login_form_is_a_page_or_a_fragment(app, client):
    path = url(app, "auth.login")
    assert_page(client.get(path), "login-form")
    assert_fragment(client.get(path, headers=HX), "login-form")


def test_boosted_and_history_restore_requests_get_the_whole_page(app, client):
    path = url(app, "auth.login")
    assert_page(client.get(path, headers={**HX, "HX-Boosted": "true"}), "login-form")
    assert_page(client.get(path, headers={**HX, "HX-History-Restore-Request": "true"}),
                "login-form")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_login_sends_each_role_home(app, make_user, htmx):
    homes = {Role.BUYER: "shops.index", Role.MERCHANT: "merchants.dashboard",
             Role.COURIER: "delivery.index", Role.ADMIN: "admin.applications"}
    for role, endpoint in homes.items():
        user = make_user(role, password="right-password")
        response = app.test_client().post(
            url(app, "auth.login"), headers=HX if htmx else {},
            data={"login": user.login_name, "password": "right-password"})
        if htmx:
            assert_htmx_redirect(response, url(app, endpoint))
        else:
            assert_redirect(response, url(app, endpoint))


def test_login_is_case_insensitive_for_email_and_trims_it(app, client, make_user):
    user = make_user(Role.BUYER, email="mixed@example.com", password="right-password")
    response = client.post(url(app, "auth.login"),
                           data={"login": "  MIXED@Example.com ", "password": "right-password"})
    assert_redirect(response, url(app, "shops.index"))
    with client.session_transaction() as session:
        assert session["_user_id"] == user.get_id()


def test_login_follows_a_safe_next_and_ignores_an_offsite_one(app, make_user):
    user = make_user(Role.BUYER, password="right-password")
    form = {"login": user.login_name, "password": "right-password"}
    response = app.test_client().post(url(app, "auth.login", next="/orders/"), data=form)
    assert_redirect(response, "/orders/")
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = app.test_client().post(url(app, "auth.login", next=evil), data=form)
        assert_redirect(response, url(app, "shops.index"))


def test_a_logged_in_user_opening_login_goes_home(app, client, login_as, make_user):
    login_as(make_user(Role.COURIER))
    assert_redirect(client.get(url(app, "auth.login")), url(app, "delivery.index"))
    assert_htmx_redirect(client.get(url(app, "auth.login"), headers=HX),
                         url(app, "delivery.index"))


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_wrong_password_keeps_the_typed_login(app, client, make_user, htmx):
    make_user(Role.BUYER, email="keep@example.com", password="right-password")
    response = client.post(url(app, "auth.login"), headers=HX if htmx else {},
                           data={"login": "keep@example.com", "password": "wrong-password"})
    text = (assert_fragment if htmx else assert_page)(response, "login-form", status=422)
    assert "账号或密码不正确" in text
    assert input_value(text, "login") == "keep@example.com"
    assert not input_value(text, "password")  # the password is never sent back
    assert "wrong-password" not in text
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_unknown_login_gets_the_same_message_as_a_wrong_password(app, client):
    response = client.post(url(app, "auth.login"), headers=HX,
                           data={"login": "nobody@example.com", "password": "whatever-pass"})
    text = assert_fragment(response, "login-form", status=422)
    assert "账号或密码不正确" in text
    assert input_value(text, "login") == "nobody@example.com"


def test_an_inactive_user_cannot_log_in(app, client, make_user):
    user = make_user(Role.BUYER, password="right-password", active=False)
    response = client.post(url(app, "auth.login"),
                           data={"login": user.login_name, "password": "right-password"})
    assert "账号或密码不正确" in assert_page(response, "login-form", status=422)


def test_empty_login_form_names_both_fields(app, client):
    response = client.post(url(app, "auth.login"), headers=HX, data={"login": "", "password": ""})
    text = assert_fragment(response, "login-form", status=422)
    assert "请输入邮箱或手机号" in text and "请输入密码" in text


def test_register_form_is_a_page_or_a_fragment(app, client):
    path = url(app, "auth.register")
    assert_page(client.get(path), "register-form")
    assert_fragment(client.get(path, headers=HX), "register-form")


REGISTRATION = {"role": "merchant", "display_name": "王店长", "email": "New@Example.com",
                "password": "secret-pass-1", "confirm": "secret-pass-1", "consent": "y"}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_register_creates_the_account_and_logs_in(app, client, htmx):
    response = client.post(url(app, "auth.register"), headers=HX if htmx else {},
                           data=REGISTRATION)
    if htmx:
        assert_htmx_redirect(response, url(app, "merchants.dashboard"))
    else:
        assert_redirect(response, url(app, "merchants.dashboard"))
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.display_name) == ("new@example.com", Role.MERCHANT,
                                                          "王店长")
    assert "实名认证" in client.get(url(app, "merchants.dashboard")).text


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@example.com"])
def test_duplicate_email_is_refused_and_the_form_kept(app, client, make_user, email):
    make_user(Role.BUYER, email="taken@example.com")
    before = count_users()
    response = client.post(url(app, "auth.register"), headers=HX,
                           data={**REGISTRATION, "email": email})
    text = assert_fragment(response, "register-form", status=422)
    assert "该邮箱已注册" in text
    assert input_value(text, "email") == email
    assert input_value(text, "display_name") == "王店长"
    assert checked_radio(text, "role") == "merchant"
    assert count_users() == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("email", "not-an-email", "邮箱格式不正确"),
    ("email", "", "请输入邮箱"),
    ("display_name", "", "请输入昵称"),
    ("password", "short", "密码需 8 到 128 位"),
    ("confirm", "different-pass", "两次输入的密码不一致"),
])
def test_register_with_a_bad_field_says_which(app, client, field, value, message):
    data = {**REGISTRATION, field: value}
    if field == "password":
        data["confirm"] = value
    response = client.post(url(app, "auth.register"), data=data)
    text = assert_page(response, "register-form", status=422)
    assert message in text
    kept = {"email": REGISTRATION["email"], "display_name": REGISTRATION["display_name"]}
    if field in kept:
        kept[field] = value
    for name, typed in kept.items():
        assert input_value(text, name) == typed
    assert count_users() == 0


def test_nobody_registers_as_admin_or_courier(app, client):
    for role in ("admin", "courier"):
        response = client.post(url(app, "auth.register"), headers=HX,
                               data={**REGISTRATION, "role": role})
        assert_fragment(response, "register-form", status=422)
    assert count_users() == 0


def test_logout_clears_the_session(app, client, login_as, make_user):
    login_as(make_user(Role.BUYER))
    response = client.post(url(app, "auth.logout"), headers=HX)
    assert_htmx_redirect(response, url(app, "shops.index", logged_out=1))
    with client.session_transaction() as session:
        assert "_user_id" not in session


LOGIN_ONLY = [
    ("merchants.dashboard", {}), ("merchants.apply", {}), ("merchants.couriers", {}),
    ("admin.applications", {}), ("catalog.products", {}), ("catalog.edit", {"product_id": 1}),
    ("orders.index", {}), ("orders.board", {}), ("orders.detail", {"order_id": 1}),
    ("orders.checkout", {"shop_id": 1}), ("orders.signature", {"order_id": 1}),
    ("delivery.index", {}), ("delivery.detail", {"order_id": 1}),
]


@pytest.mark.parametrize(("endpoint", "values"), LOGIN_ONLY, ids=[e for e, _ in LOGIN_ONLY])
def test_anonymous_htmx_request_gets_401_and_hx_redirect(app, client, endpoint, values):
    response = client.get(url(app, endpoint, **values), headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == url(app, "auth.login")
    assert "Location" not in response.headers and response.data == b""


def test_anonymous_htmx_request_comes_back_to_the_page_it_was_on(app, client):
    response = client.get(url(app, "orders.board"), headers={
        **HX, "HX-Current-URL": "http://localhost/orders/board?tab=open"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == url(app, "auth.login", next="/orders/board?tab=open")


@pytest.mark.parametrize(("endpoint", "values"), LOGIN_ONLY, ids=[e for e, _ in LOGIN_ONLY])
def test_anonymous_page_request_is_sent_to_login_with_next(app, client, endpoint, values):
    path = url(app, endpoint, **values)
    response = client.get(path)
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == url(app, "auth.login")
    assert parse_qs(target.query)["next"][0].rstrip("?") == path


@pytest.mark.parametrize(("endpoint", "values"), [
    ("orders.accept", {"order_id": 1}), ("orders.sign", {"order_id": 1}),
    ("delivery.start", {"order_id": 1}), ("admin.approve", {"application_id": 1}),
    ("catalog.publish", {"product_id": 1}), ("auth.logout", {}),
])
def test_anonymous_posts_are_refused_too(app, client, endpoint, values):
    response = client.post(url(app, endpoint, **values), headers=HX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith(url(app, "auth.login"))
