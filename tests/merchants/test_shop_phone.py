"""A shop's public phone number: read like every number of the app (a mainland mobile or a
landline with its area code), shown as a tel: link on the shop's page and its buyers' order
pages only while its owner agrees, and at once after a change though those pages are kept."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from tests.support.database import KeptLonger, app_with_tables
from tests.support.helpers import HX, assert_fragment, assert_page, url
from tests.support.migrations import migrated_app, run_migrations
from webapp.auth.mobile import normalise_public_phone
from webapp.extensions import db
from webapp.i18n import COOKIE
from webapp.models import AuditLog, Shop

pytestmark = pytest.mark.db


@pytest.fixture
def app(tmp_path):
    # Pages kept a minute: a change must show at once because the write forgets them, not
    # because they expired.
    yield from app_with_tables(KeptLonger, upload_dir=tmp_path / "uploads")


@pytest.mark.parametrize("typed, stored", [
    ("010-1234 5678", "+861012345678"), ("(0755) 8888 9999", "+8675588889999"),
    ("+86 20 1234 5678", "+862012345678"), ("13812345678", "+8613812345678"),
    ("138 1234 5678", "+8613812345678"),
    ("12345678", None),            # a landline without its area code
    ("4008001234", None),          # neither a mobile nor a landline
    ("+1 650 253 0000", None), ("95588", None), ("abc", None), ("1" * 40, None),
])
def test_a_public_number_is_a_mainland_mobile_or_landline_with_area_code(typed, stored):
    assert normalise_public_phone(typed) == stored


def _save(client, app, number, shown, htmx=True):
    form = {"public_phone": number, **({"phone_shown": "y"} if shown else {})}
    return client.post(url(app, "merchants.shop_phone"), data=form, headers=HX if htmx else {})


# What the owner enters and ticks, and whether buyers see it.
SHOWN = [("010-1234 5678", True, "010 1234 5678"), ("010-1234 5678", False, None),
         ("", False, None)]


@pytest.mark.parametrize("number, tick, seen", SHOWN)
def test_the_number_shows_only_with_the_owner_s_agreement(app, client, login_as, as_party, world,
                                                          advance, number, tick, seen):
    order = advance("accepted")
    visitor, buyer = app.test_client(), as_party(world.buyer)
    shop_path = url(app, "shops.detail", handle=world.shop.handle)
    order_path = url(app, "orders.detail", order_id=order.id)
    for page in (visitor.get(shop_path), buyer.get(shop_path), buyer.get(order_path)):
        assert "tel:+86" not in page.text  # kept from before, and nothing to show yet
    login_as(world.merchant)
    saved = _save(client, app, number, tick)
    assert "店铺电话已保存" in assert_fragment(saved, "phone-form")
    shop = db.session.get(Shop, world.shop.id)
    assert (shop.public_phone, shop.phone_shown) == (normalise_public_phone(number) or "", tick)
    for page in (visitor.get(shop_path), buyer.get(shop_path), buyer.get(order_path)):
        text = assert_page(page)
        if seen:
            assert 'href="tel:+861012345678"' in text and seen in text and "致电商家" in text
        else:
            assert "tel:+86" not in text and "致电商家" not in text
    # Shown to the shop's buyers only: another shop's page and the courier's page do not.
    other = visitor.get(url(app, "shops.detail", handle=world.other_shop.handle)).text
    assert "tel:+861012345678" not in other
    assert "tel:+861012345678" not in as_party(world.courier).get(order_path).text


def test_a_change_and_a_withdrawal_show_at_once_on_kept_pages(app, client, login_as, as_party,
                                                              world):
    visitor, buyer = app.test_client(), as_party(world.buyer)
    path = url(app, "shops.detail", handle=world.shop.handle)
    login_as(world.merchant)
    steps = [("010 1234 5678", True, "tel:+861012345678"), ("138 0013 8000", True,
                                                             "tel:+8613800138000"),
             ("138 0013 8000", False, None)]
    for number, tick, link in steps:
        for reader in (visitor, buyer):
            reader.get(path)  # kept (anonymous: shared_pages; signed in: signed_in_pages)
        _save(client, app, number, tick)
        for reader in (visitor, buyer):
            text = reader.get(path).text
            assert (link in text) if link else ("tel:+86" not in text), (number, tick)
    assert "tel:+861012345678" not in visitor.get(path).text


@pytest.mark.parametrize("number, tick, says", [
    ("12345678", True, "请输入正确的电话"), ("4008001234", False, "请输入正确的电话"),
    ("", True, "勾选显示前，请先填写电话"), ("汉" * 40, True, "请输入正确的电话"),
])
def test_a_bad_number_is_refused_on_its_field_and_kept_as_typed(app, client, login_as, world,
                                                                 number, tick, says):
    login_as(world.merchant)
    refused = _save(client, app, number, tick)
    text = assert_fragment(refused, "phone-form", status=422)
    assert says in text and (number[:32] in text)
    shop = db.session.get(Shop, world.shop.id)
    assert (shop.public_phone, shop.phone_shown) == ("", False)
    page = _save(client, app, number, tick, htmx=False)
    assert says in assert_page(page, "phone-form", status=422)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_settings_form_without_javascript_and_audited(app, client, login_as, world, lang):
    login_as(world.merchant)
    client.set_cookie(COOKIE, lang)
    page = assert_page(client.get(url(app, "merchants.shop_settings")), "phone-form")
    assert ("店铺电话" if lang == "zh_CN" else "Shop phone") in page
    done = _save(client, app, "(010)12345678", True, htmx=False)
    assert done.status_code == 303 and done.headers["Location"] == url(app, "merchants.shop_settings")
    again = client.get(url(app, "merchants.shop_settings")).text
    box = re.search(r'<input[^>]*name="phone_shown"[^>]*>', again).group(0)
    assert 'value="010 1234 5678"' in again and "checked" in box
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "shop.phone_updated"))
    assert (entry.actor_id, entry.subject_id, entry.detail) == (
        world.merchant.id, world.shop.id, {"shown": True, "has_number": True})
    assert _save(client, app, "010 1234 5678", True).status_code == 200  # no change: no new row
    assert len(db.session.scalars(select(AuditLog).where(
        AuditLog.action == "shop.phone_updated")).all()) == 1


def test_migration_0030_keeps_every_shop_and_shows_no_number(tmp_path):
    """Existing shops (referenced by their couriers and products) keep their rows, with no
    number and nothing shown; downgrade gives them back without the two columns."""
    app = migrated_app(f"sqlite:///{tmp_path / 'phone.db'}")
    run_migrations(app, lambda: upgrade(revision="0029"))
    with app.app_context(), db.engine.begin() as c:
        c.execute(sa.text(
            "INSERT INTO \"user\" (id, email, password_hash, role, display_name, active, "
            "created_at) VALUES (1, 'm@example.com', 'x', 'merchant', 'm', true, "
            "'2026-01-02 03:04:05')"))
        c.execute(sa.text(
            "INSERT INTO shop (id, owner_id, handle, name, description, address, district_code, "
            "delivery_slots, delivery_days, delivery_lead_minutes, delivery_fee_fen, "
            "opening_hours, status, created_at, suspended_reason) VALUES (1, 1, 's', '店', '', "
            "'', '110105', '9-11', 3, 60, 0, '', 'active', '2026-01-02 03:04:05', '')"))
        c.execute(sa.text(
            "INSERT INTO \"user\" (id, mobile, password_hash, role, display_name, active, "
            "created_at, shop_id) VALUES (2, '13800000001', 'x', 'courier', 'c', true, "
            "'2026-01-02 03:04:05', 1)"))
    run_migrations(app, lambda: upgrade(revision="0030"))
    with app.app_context():
        row = db.session.execute(sa.text("SELECT name, public_phone, phone_shown FROM shop")).one()
        assert tuple(row) == ("店", "", False)
        db.session.remove()
    run_migrations(app, lambda: downgrade(revision="0029"))
    with app.app_context():
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("shop")}
        assert "public_phone" not in columns and "phone_shown" not in columns
        assert db.session.execute(sa.text("SELECT name FROM shop")).scalar() == "店"
        db.session.remove()
