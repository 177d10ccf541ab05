"""Common passwords are refused wherever a password is set: registration, a courier's first
password and `flask create-admin`, with one clear message in both languages."""
import pytest
from sqlalchemy import func, select

from tests.support.helpers import HX, url
from webapp.auth.passwords import common_passwords, is_common
from webapp.cli import DEMO_LOGINS
from webapp.extensions import db
from webapp.models import User

MESSAGES = {"zh": "这个密码太常见，很容易被猜到，请换一个。",
            "en": "This password is too common and easy to guess. Please choose another."}

# From Django's list, the project's Chinese additions and the repeated-piece rule; any case.
COMMON = ["password", "Password123", "12345678", "qwertyuiop", "iloveyou", "1qaz2wsx",
          "5201314", "woaini1314", "WOAINI520", "88888888", "147258369", "a123456789",
          "5201314520", "zhang123456", "woaini1314520", "52005200", "168168168", "abcabcabc",
          " 123456789 "]
# Demo, test and ordinary passphrases are accepted.
ACCEPTED = [password for _, _, password in DEMO_LOGINS] + [
    "secret-pass-1", "courier-pass", "merchant-pass", "buyer-pass-1", "e2e-admin-pass",
    "橙子熟了去市场", "correct horse battery staple", "5201314-is-our-shop"]


def test_the_lists_are_loaded():
    words = common_passwords()
    assert len(words) > 19_000
    assert {"123456", "woaini", "5201314", "zhongguo"} <= words


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_known(password):
    assert is_common(password)


@pytest.mark.parametrize("password", ACCEPTED)
def test_other_passwords_are_not(password):
    assert not is_common(password)


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("password", ["12345678", "woaini1314", "5201314520"])
def test_registration_refuses_a_common_password(app, client, lang, password):
    client.set_cookie("lang", lang)
    response = client.post(url(app, "auth.register"), headers=HX, data={
        "role": "buyer", "display_name": "新人", "email": "new@example.com",
        "password": password, "confirm": password, "consent": "y"})
    assert response.status_code == 422
    assert MESSAGES[lang] in response.text
    assert users() == 0


def test_a_short_common_password_gets_one_message(app, client):
    response = client.post(url(app, "auth.register"), data={
        "role": "buyer", "display_name": "新人", "email": "new@example.com",
        "password": "123456", "confirm": "123456", "consent": "y"})
    assert "密码需 8 到 128 位" in response.text and MESSAGES["zh"] not in response.text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_couriers_first_password_cannot_be_common(app, client, login_as, world, lang):
    login_as(world.merchant)
    client.set_cookie("lang", lang)
    before = users()
    response = client.post(url(app, "merchants.couriers"), headers=HX, data={
        "display_name": "新骑手", "mobile": "13812345678", "password": "88888888"})
    assert response.status_code == 422
    assert MESSAGES[lang] in response.text
    assert users() == before


@pytest.mark.parametrize(("password", "refused"), [("woaini1314", True),
                                                   ("a-long-admin-pass", False)])
def test_create_admin_refuses_a_common_password(app, password, refused):
    result = app.test_cli_runner().invoke(args=[
        "create-admin", "--email", "root@example.com", "--password", password])
    assert (result.exit_code != 0) is refused, result.output
    if refused:
        assert "common password" in result.output
    assert users() == (0 if refused else 1)
