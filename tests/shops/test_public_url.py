"""Absolute addresses (the shop's QR codes, its window poster, the merchant's dashboard and the
application form's address preview) come from the PUBLIC_URL setting, never from the Host or
X-Forwarded-Host a client sends: a poisoned header cannot end up on a printed poster or in a page
a cache keeps. Production refuses to start without PUBLIC_URL."""
from __future__ import annotations

import io

import pytest
import qrcode
import qrcode.image.svg
import zxingcpp
from PIL import Image

from tests.support.database import app_with_tables
from tests.support.helpers import url
from webapp import config
from webapp.config import TestConfig
from webapp.models import Role, utcnow

PUBLIC = "https://xinji.example.cn"
SHOP_URL = f"{PUBLIC}/s/fresh-fruit"
EVIL = "evil.example"
# What an attacker may send; TRUSTED_PROXIES=1 here, as behind make scale's nginx, so the
# forwarded headers are believed too (nginx passes the client's Host on as X-Forwarded-Host).
POISONED = {
    "host": {"Host": EVIL},
    "host-and-port": {"Host": f"{EVIL}:8443"},
    "forwarded-host": {"X-Forwarded-Host": EVIL},
    "forwarded-host-and-proto": {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "http"},
    "none": {},
}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    settings = {"PUBLIC_URL": PUBLIC, "TRUSTED_PROXIES": 1}
    yield from app_with_tables(type("PublicConfig", (TestConfig,), settings),
                               upload_dir=tmp_path_factory.mktemp("uploads"))


@pytest.fixture(scope="module")
def _kept():
    return {}


@pytest.fixture
def people(_kept, app, request):
    """An approved merchant with the shop fresh-fruit, and one still applying."""
    if "people" not in _kept:
        make_user, make_shop = (request.getfixturevalue(n) for n in ("make_user", "make_shop"))
        merchant, applicant = make_user(Role.MERCHANT), make_user(Role.MERCHANT)
        make_shop(merchant, handle="fresh-fruit", verified_at=utcnow())
        _kept["people"] = {"merchant": merchant, "applicant": applicant, "anonymous": None}
    return _kept["people"]


def svg_of(data: str) -> bytes:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(data)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


def qr_text(response) -> str:
    with Image.open(io.BytesIO(response.data)) as image:
        [found] = zxingcpp.read_barcodes(image.convert("L"))
    return found.text


# endpoint, its URL values, who asks, what the answer must carry
PAGES = [
    ("shops.qr_png", {"handle": "fresh-fruit"}, "anonymous",
     lambda response: qr_text(response) == SHOP_URL),
    ("shops.qr_svg", {"handle": "fresh-fruit"}, "anonymous",
     lambda response: response.data == svg_of(SHOP_URL)),
    ("shops.poster", {"handle": "fresh-fruit"}, "anonymous",
     lambda response: f">{SHOP_URL}</p>" in response.text),
    ("merchants.dashboard", {}, "merchant", lambda response: f">{SHOP_URL}</a>" in response.text),
    ("merchants.apply", {}, "applicant", lambda response: f"{PUBLIC}/s/<strong>" in response.text),
]


@pytest.mark.parametrize("headers", POISONED.values(), ids=POISONED)
@pytest.mark.parametrize("endpoint, values, who, carries", PAGES, ids=[p[0] for p in PAGES])
def test_absolute_addresses_come_from_public_url(app, login_as, people, endpoint, values, who,
                                                 carries, headers):
    client = app.test_client()
    if people[who] is not None:
        login_as(people[who], client)
        # The session cookie goes to the poisoned host too, as a browser's would to a proxy
        # that passes any Host on.
        client.set_cookie("session", client.get_cookie("session").value, domain=EVIL)
    response = client.get(url(app, endpoint, **values), headers=headers)
    assert response.status_code == 200, response.headers.get("Location")
    assert carries(response)
    assert EVIL.encode() not in response.data


@pytest.mark.parametrize("public_url, problem", [
    (None, "PUBLIC_URL is not set"),
    ("", "PUBLIC_URL is not set"),
    ("xinji.example.cn", "PUBLIC_URL must be"),
    ("ftp://xinji.example.cn", "PUBLIC_URL must be"),
    ("https://xinji.example.cn/?next=x", "PUBLIC_URL must be"),
    ("https://xinji.example.cn/#top", "PUBLIC_URL must be"),
    ("https://", "PUBLIC_URL must be"),
    ("https://user@xinji.example.cn", "PUBLIC_URL must be"),
])
def test_production_refuses_to_start_without_a_sound_public_url(public_url, problem):
    settings = {"SECRET_KEY": "x", "KYC_ENCRYPTION_KEY": TestConfig.KYC_ENCRYPTION_KEY,
                "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db", "APP_ENV": "production"}
    if public_url is not None:
        settings["PUBLIC_URL"] = public_url
    with pytest.raises(RuntimeError, match=problem):
        config.check(settings)


@pytest.mark.parametrize("env, given, expected", [
    ("production", "https://xinji.example.cn/", "https://xinji.example.cn"),
    ("production", "http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("production", "https://example.cn/market", "https://example.cn/market"),
    ("development", None, "http://127.0.0.1:5000"),
    ("development", "", "http://127.0.0.1:5000"),
])
def test_a_sound_public_url_is_kept_without_its_trailing_slash(env, given, expected):
    settings = {"SECRET_KEY": "x", "KYC_ENCRYPTION_KEY": TestConfig.KYC_ENCRYPTION_KEY,
                "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@h/db", "APP_ENV": env}
    if given is not None:
        settings["PUBLIC_URL"] = given
    config.check(settings)
    assert settings["PUBLIC_URL"] == expected
