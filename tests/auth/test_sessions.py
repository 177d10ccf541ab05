"""Sessions can be revoked: logout and a new password end every copy of a login's cookies, old
session ids are logged out cleanly, and "keep me signed in" decides the remember cookie."""
from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie

import pytest
from flask_login.utils import encode_cookie

from tests.support.database import app_with_tables
from tests.support.helpers import HX, assert_htmx_redirect, assert_redirect, url
from webapp.auth.services import create_admin, hash_password
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import Role, User

PASSWORD = "right-password"
COOKIES = ("session", "remember_token")


def log_in(app, user, remember=True, **kwargs):
    """A browser that logged in through the form."""
    browser = app.test_client(**kwargs)
    form = {"login": user.login_name, "password": PASSWORD}
    if remember:
        form["remember"] = "y"
    response = browser.post(url(app, "auth.login"), data=form)
    assert response.status_code == 303, response.text[:300]
    return browser


def copy_of(app, browser, names):
    """Another browser holding only these cookies of `browser` (a stolen or synced copy)."""
    other = app.test_client()
    for name in names:
        cookie = browser.get_cookie(name)
        assert cookie is not None, f"{name} was not set"
        other.set_cookie(name, cookie.value)
    return other


def signed_in(app, browser) -> bool:
    """Whether `browser` is signed in on the home page (every role may open it)."""
    page = browser.get(url(app, "shops.index"))
    assert page.status_code == 200, page.status_code
    return 'data-user="' in page.text


def assert_login_wall(app, browser) -> None:
    """A buyer's page sends `browser` to log in: a redirect, or 401 and HX-Redirect for htmx."""
    page = browser.get(url(app, "orders.index"))
    assert page.status_code == 302
    assert page.headers["Location"].startswith(url(app, "auth.login"))
    fragment = browser.get(url(app, "orders.index"), headers=HX)
    assert fragment.status_code == 401
    assert fragment.headers["HX-Redirect"].startswith(url(app, "auth.login"))


COPIES = [("session cookie", ["session"]), ("remember cookie", ["remember_token"]),
          ("both", ["session", "remember_token"])]


@pytest.mark.parametrize("names", [names for _, names in COPIES], ids=[n for n, _ in COPIES])
def test_a_copied_cookie_stops_working_at_logout(app, make_user, names):
    user = make_user(Role.BUYER, password=PASSWORD)
    browser = log_in(app, user)
    copy = copy_of(app, browser, names)
    assert signed_in(app, copy)  # the copy works while the login lasts
    assert_redirect(browser.post(url(app, "auth.logout")), url(app, "shops.index", logged_out=1))
    assert not signed_in(app, copy)
    assert_login_wall(app, copy)
    assert not signed_in(app, browser)
    # Logging in again does not bring the copy back.
    log_in(app, user, remember=False)
    assert not signed_in(app, copy)


def test_logout_by_htmx_ends_the_other_devices_too(app, make_user):
    user = make_user(Role.BUYER, password=PASSWORD)
    phone, tablet = log_in(app, user), log_in(app, user, remember=False)
    assert signed_in(app, tablet)
    assert_htmx_redirect(phone.post(url(app, "auth.logout"), headers=HX),
                         url(app, "shops.index", logged_out=1))
    assert not signed_in(app, tablet)


def test_a_new_password_ends_every_session(app):
    admin = create_admin("boss@example.com", PASSWORD)
    browser = log_in(app, admin)
    copy = copy_of(app, browser, ["remember_token"])
    assert signed_in(app, browser) and signed_in(app, copy)
    create_admin("boss@example.com", "another-long-pass")  # flask create-admin resets it
    assert not signed_in(app, browser)
    assert not signed_in(app, copy)


def test_a_new_admin_logs_in_with_the_password_it_was_given(app):
    admin = create_admin("new-boss@example.com", PASSWORD)
    assert signed_in(app, log_in(app, admin, remember=False))


def test_a_deactivated_account_is_logged_out(app, make_user):
    user = make_user(Role.COURIER, password=PASSWORD)
    browser = log_in(app, user)
    copy = copy_of(app, browser, ["remember_token"])
    user.active = False
    db.session.commit()
    assert not signed_in(app, browser)
    assert not signed_in(app, copy)


# What sessions and remember cookies held before (the plain user id) or never should: each is a
# visitor, never an error.
STALE = [("plain user id", "{id}"), ("old generation", "{id}:7"), ("no generation", "{id}:"),
         ("garbage", "x:y"), ("other digits", "\u00b2:0"), ("huge id", "99999999999:0"),
         ("id out of range", "4294967296:0"), ("empty", "")]


@pytest.mark.parametrize("where", ["session", "remember"])
@pytest.mark.parametrize("value", [v for _, v in STALE], ids=[n for n, _ in STALE])
def test_a_stale_or_malformed_id_is_logged_out_without_error(app, make_user, where, value):
    user = make_user(Role.BUYER, password=PASSWORD)
    value = value.format(id=user.id)
    browser = app.test_client()
    if where == "session":
        with browser.session_transaction() as session:
            session["_user_id"] = value
    else:
        browser.set_cookie("remember_token", encode_cookie(value))
    assert_login_wall(app, browser)
    home = browser.get(url(app, "shops.index"))
    assert home.status_code == 200 and "data-user=" not in home.text
    # The refused login is forgotten: the session no longer names it, the cookie is cleared.
    with browser.session_transaction() as session:
        assert "_user_id" not in session
    assert browser.get_cookie("remember_token") is None


def test_a_current_id_still_signs_in(app, make_user, login_as, client):
    """The control for the table above: the same requests with the current id."""
    user = make_user(Role.BUYER, password=PASSWORD)
    login_as(user)
    assert client.get(url(app, "orders.index")).status_code == 200
    remembered = app.test_client()
    remembered.set_cookie("remember_token", encode_cookie(user.get_id()))
    assert remembered.get(url(app, "orders.index")).status_code == 200


def test_the_user_id_flask_login_keeps_names_the_generation(app, make_user):
    user = make_user(Role.BUYER, password=PASSWORD)
    browser = log_in(app, user)
    with browser.session_transaction() as session:
        assert session["_user_id"] == f"{user.id}:0"
    browser.post(url(app, "auth.logout"))
    db.session.refresh(user)
    assert user.get_id() == f"{user.id}:1"


# ---- the remember cookie ---------------------------------------------------------------------


def set_cookies(response) -> dict[str, str]:
    """Each cookie the response sets, by name, as its whole Set-Cookie line."""
    lines = response.headers.getlist("Set-Cookie")
    return {next(iter(SimpleCookie(line))): line for line in lines}


class Https(TestConfig):
    HTTPS = True
    SESSION_COOKIE_SECURE = REMEMBER_COOKIE_SECURE = True


@pytest.fixture(params=[False, True], ids=["http", "https"])
def cookie_app(request, tmp_path):
    yield from app_with_tables(Https if request.param else TestConfig)


@pytest.mark.parametrize("remember", [False, True], ids=["session-only", "remember"])
def test_keep_me_signed_in_decides_the_remember_cookie(cookie_app, remember):
    https = cookie_app.config["HTTPS"]
    user = User(role=Role.BUYER, email="cookie@example.com", display_name="cookie",
                password_hash=hash_password(PASSWORD))
    db.session.add(user)
    db.session.commit()
    form = {"login": user.login_name, "password": PASSWORD, **({"remember": "y"} if remember
                                                                else {})}
    response = cookie_app.test_client().post(url(cookie_app, "auth.login"), data=form,
                                             base_url=f"{'https' if https else 'http'}://localhost")
    assert response.status_code == 303
    cookies = set_cookies(response)
    session_cookie = cookies["session"]
    assert "Expires" not in session_cookie and "Max-Age" not in session_cookie  # browser session
    assert ("Secure" in session_cookie) is https
    if not remember:
        assert "remember_token" not in cookies
        return
    attributes = {part.strip().split("=")[0].lower(): part.strip()
                  for part in cookies["remember_token"].split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"
    assert ("secure" in attributes) is https
    expires = datetime.strptime(attributes["expires"].split("=", 1)[1], "%a, %d %b %Y %H:%M:%S GMT")
    days = (expires.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)) / timedelta(days=1)
    assert 29 < days <= 30


def test_the_login_form_offers_keep_me_signed_in_unticked(app, client):
    text = client.get(url(app, "auth.login")).text
    assert 'name="remember"' in text and 'type="checkbox"' in text
    box = text[text.index('name="remember"') - 200:text.index('name="remember"') + 200]
    assert "checked" not in box
    assert 'aria-describedby="remember-hint"' in text and 'id="remember-hint"' in text
    assert "30 天内无需再次登录" in text


def test_registration_starts_a_browser_session_only(app, client):
    response = client.post(url(app, "auth.register"), data={
        "role": "buyer", "display_name": "新人", "email": "fresh@example.com",
        "password": "secret-pass-1", "confirm": "secret-pass-1", "consent": "y"})
    assert response.status_code == 303
    assert "remember_token" not in set_cookies(response)


# ---- open sockets ----------------------------------------------------------------------------


def test_logout_disconnects_the_accounts_open_sockets(app, make_user, socket_client):
    user = make_user(Role.BUYER, password=PASSWORD)
    other = make_user(Role.BUYER, password=PASSWORD)
    phone, tablet, stranger = log_in(app, user), log_in(app, user), log_in(app, other)
    phone_socket, stranger_socket = socket_client(phone), socket_client(stranger)
    copy_socket = socket_client(copy_of(app, phone, COOKIES))
    assert phone_socket.is_connected() and copy_socket.is_connected()
    tablet.post(url(app, "auth.logout"))
    assert not phone_socket.is_connected() and not copy_socket.is_connected()
    assert stranger_socket.is_connected()  # another account's socket is left alone
    # A copy of the old cookies cannot open a new socket either.
    assert not socket_client(copy_of(app, phone, COOKIES)).is_connected()


def test_per_user_rate_limits_keep_their_count_across_logouts(app, make_user):
    """Demand and quote limits are keyed by the account, not by the session's generation."""
    from flask_login import login_user

    from webapp.demands.routes import _per_user

    user = make_user(Role.BUYER, password=PASSWORD)
    keys = []
    for _ in range(2):
        with app.test_request_context():
            login_user(user)
            keys.append(_per_user())
        user.session_generation += 1
    assert keys == [f"user:{user.id}"] * 2


# ---- requests that cross the login -----------------------------------------------------------

# What a page fetches in the background while its visitor logs in: the service worker precaching
# the offline page and its own script, the manifest, the home page and a search.
BACKGROUND = ["pwa.offline", "pwa.manifest", "shops.index", "search.index", "auth.login"]


@pytest.mark.parametrize("endpoint", BACKGROUND)
def test_a_request_sent_before_login_and_answered_after_it_keeps_the_login(app, make_user,
                                                                          endpoint):
    """A cookie session is whatever the last answer set: an anonymous request still in flight
    when the login answers must set no cookie, or it logs the person out again (it did: the
    service worker's fetch of /offline set `_fresh` in the anonymous session, and in CI it
    arrived after the login's answer)."""
    user = make_user(Role.BUYER, password=PASSWORD)
    browser = app.test_client()
    assert browser.get(url(app, "auth.login")).status_code == 200  # the anonymous form token
    in_flight = copy_of(app, browser, ["session"])
    browser.post(url(app, "auth.login"), data={"login": user.login_name, "password": PASSWORD})
    answer = in_flight.get(url(app, endpoint))
    assert answer.status_code == 200, answer.status_code
    assert "session" not in set_cookies(answer)
    assert signed_in(app, browser)
