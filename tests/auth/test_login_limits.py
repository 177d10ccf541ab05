"""Login is limited per account (from any address) as well as per address, and does the same
work whether or not the account exists or is active."""
import pytest
from werkzeug import security

from tests.support.database import app_with_limits
from tests.support.helpers import HX, url
from webapp.auth import services
from webapp.auth.services import hash_password
from webapp.extensions import db
from webapp.models import Role, User

PASSWORD = "right-password"
ACCOUNT_MESSAGE = "这个账号的登录尝试太多了，请稍后再试。"
ADDRESS_MESSAGE = "登录尝试太频繁了，请稍后再试。"


@pytest.fixture
def limited_app(tmp_path):
    yield from app_with_limits(LOGIN_LIMIT="5 per minute", LOGIN_ACCOUNT_LIMIT="3 per 15 minutes")


def account(email: str, **fields) -> User:
    user = User(role=Role.BUYER, email=email, display_name=email,
                password_hash=hash_password(PASSWORD), **fields)
    db.session.add(user)
    db.session.commit()
    return user


def attempt(app, login, password, address, htmx=False, lang=None):
    client = app.test_client()
    if lang:
        client.set_cookie("lang", lang)
    return client.post(url(app, "auth.login"), data={"login": login, "password": password},
                       headers=HX if htmx else {}, environ_base={"REMOTE_ADDR": address})


# Each row: the login typed, its password, the address it comes from, and the status expected.
# Three failures on one account from three addresses use up its "3 per 15 minutes"; then even
# the right password is refused, from a fourth address, however the login is written. Another
# account and a success do not count against it.
ACCOUNT_TABLE = [
    ("victim@example.com", "wrong-1", "198.51.100.1", 422),
    ("other@example.com", PASSWORD, "198.51.100.1", 303),
    ("Victim@Example.com ", "wrong-2", "198.51.100.2", 422),
    ("victim@example.com", "wrong-3", "198.51.100.3", 422),
    ("victim@example.com", PASSWORD, "198.51.100.4", 429),
    (" VICTIM@example.com", "wrong-4", "198.51.100.5", 429),
    ("other@example.com", "wrong-1", "198.51.100.4", 422),
    ("other@example.com", PASSWORD, "198.51.100.5", 303),
]


def test_failed_logins_are_limited_per_account_from_any_address(limited_app):
    account("victim@example.com")
    account("other@example.com")
    seen = [attempt(limited_app, login, password, address).status_code
            for login, password, address, _ in ACCOUNT_TABLE]
    assert seen == [status for *_, status in ACCOUNT_TABLE]


def test_successful_logins_do_not_use_up_the_account_limit(limited_app):
    account("daily@example.com")
    for n in range(5):
        assert attempt(limited_app, "daily@example.com", PASSWORD,
                       f"198.51.100.{n + 1}").status_code == 303


@pytest.mark.parametrize(("htmx", "lang", "message"), [
    (False, None, ACCOUNT_MESSAGE), (True, None, ACCOUNT_MESSAGE),
    (False, "en", "Too many sign-in attempts for this account. Please try again later."),
], ids=["page", "htmx", "english"])
def test_the_account_limit_says_so(limited_app, htmx, lang, message):
    account("victim@example.com")
    for n in range(3):
        attempt(limited_app, "victim@example.com", "wrong", f"198.51.100.{n + 1}")
    response = attempt(limited_app, "victim@example.com", PASSWORD, "198.51.100.9", htmx, lang)
    assert response.status_code == 429
    assert message in response.text
    assert "Retry-After" in response.headers
    if htmx:
        assert response.headers["HX-Retarget"] == "#flash"


def test_one_address_is_limited_across_accounts(limited_app):
    statuses = [attempt(limited_app, f"nobody{n}@example.com", "wrong", "203.0.113.7").status_code
                for n in range(6)]
    assert statuses == [422] * 5 + [429]
    response = attempt(limited_app, "nobody9@example.com", "wrong", "203.0.113.7")
    assert ADDRESS_MESSAGE in response.text
    assert attempt(limited_app, "nobody9@example.com", "wrong", "203.0.113.8").status_code == 422


def test_an_empty_login_does_not_count_against_anyone(limited_app):
    for n in range(5):
        assert attempt(limited_app, "  ", "wrong", f"198.51.100.{n + 1}").status_code == 422


# ---- equal work ------------------------------------------------------------------------------


@pytest.fixture
def hashing(monkeypatch):
    """Count the real hash functions the login service calls (they still run)."""
    calls = {"check": 0, "generate": 0}

    def counted(name, real):
        def call(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return call

    monkeypatch.setattr(services, "check_password_hash",
                        counted("check", security.check_password_hash))
    monkeypatch.setattr(services, "generate_password_hash",
                        counted("generate", security.generate_password_hash))
    return calls


@pytest.mark.parametrize(("login", "password", "active", "signed_in"), [
    ("nobody@example.com", PASSWORD, True, False),
    ("someone@example.com", "wrong-password", True, False),
    ("someone@example.com", PASSWORD, True, True),
    ("someone@example.com", PASSWORD, False, False),
    ("someone@example.com", "wrong-password", False, False),
], ids=["unknown", "wrong-password", "right", "inactive-right", "inactive-wrong"])
def test_every_login_checks_exactly_one_hash_and_makes_none(app, hashing, login, password,
                                                            active, signed_in):
    account("someone@example.com", active=active)
    hashing.update(check=0, generate=0)
    user = services.authenticate(login, password)
    assert (user is not None) is signed_in
    assert hashing == {"check": 1, "generate": 0}
