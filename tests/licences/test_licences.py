"""Licences for regulated categories (issue 21): a shop sells, quotes and hears of demands in a
food or drug category only while it holds an approved, unexpired licence for it; its listings
hide at the very moment the licence lapses (the queries compare with the clock, no job), kept
pages included; the merchant uploads, an admin decides field by field, every step audited; a
verified shop's new name waits for review."""
from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.support.database import KeptLonger, app_with_tables
from tests.support.demands import HERE, demand_input, quote_form
from tests.support.factories import submit_complete
from tests.support.helpers import HX, assert_page, url
from tests.support.images import jpeg_bytes
from tests.support.licences import Clock, grant
from webapp.admin.services import approve as approve_application
from webapp.admin.services import reject as reject_application
from webapp.cart.services import on_sale
from webapp.config import TestConfig
from webapp.demands import posting, quoting
from webapp.extensions import db
from webapp.licences import reminders
from webapp.licences import services as licences
from webapp.licences.rules import REGULATED, LicenceKind
from webapp.licences.state import LICENCE_MOVES, LicenceEvent, LicenceStatus, next_status
from webapp.models import (
    ApplicationStatus,
    AuditLog,
    MerchantApplication,
    Notification,
    Product,
    Role,
    Shop,
    ShopLicence,
    utcnow,
)
from webapp.shops.services import shop_of
from webapp.web import ServiceError

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

EN = {"Accept-Language": "en"}


@pytest.fixture
def app(tmp_path):
    """Pages never kept here: the moved clock tells the queries the time, not the kept pages
    (test_kept_pages_do_not_outlive_the_licence checks those in real time)."""
    yield from app_with_tables(type("NotKept", (TestConfig,), {"SHARED_PAGE_SECONDS": 0}),
                               upload_dir=tmp_path / "uploads")


@pytest.fixture
def shop(make_user, make_shop):
    return make_shop(make_user(Role.MERCHANT), district_code=HERE, licensed=False)


def test_one_table_says_which_categories_need_which_licence():
    assert REGULATED == {"meat": "food", "grocery": "food", "snacks": "food", "meals": "food",
                         "health": "drug"}
    assert "produce" not in REGULATED  # edible farm produce needs no licence (art. 35)


@pytest.mark.parametrize(("status", "event"), [(s, e) for s in LicenceStatus for e in LicenceEvent])
def test_the_transition_table(status, event):
    assert next_status(status, event) == LICENCE_MOVES.get((status, event))
    assert (next_status(status, event) is not None) == (status is LicenceStatus.SUBMITTED)


def test_a_licence_lapses_at_the_next_midnight_in_beijing():
    assert licences.expiry_moment(date(2027, 5, 31)) == datetime(2027, 5, 31, 16, 0)


def links(product, text: str) -> bool:
    return f'/p/{product.id}"' in text


# Where buyers meet a product: each must show it one second before the licence lapses and not
# at the moment it does.
def seen_on_shop_page(client, app, product):
    return links(product, client.get(url(app, "shops.detail", handle=product.shop.handle)).text)


def seen_in_category_chip(client, app, product):
    text = client.get(url(app, "shops.detail", handle=product.shop.handle)).text
    return f"category={product.category}" in text


def seen_on_product_page(client, app, product):
    return client.get(url(app, "shops.product", product_id=product.id)).status_code == 200


def seen_in_search(client, app, product):
    return links(product, client.get(url(app, "search.index", q="许可")).text)


def seen_on_home(client, app, product):
    return links(product, client.get(url(app, "shops.index")).text)


def buyable(client, app, product):
    try:
        return on_sale(product.id).id == product.id
    except ServiceError:
        return False


PLACES = [seen_on_shop_page, seen_in_category_chip, seen_on_product_page, seen_in_search,
          seen_on_home, buyable]


@pytest.mark.parametrize("seen", PLACES, ids=lambda f: f.__name__)
def test_listings_hide_at_the_moment_the_licence_lapses(app, client, shop, make_product,
                                                        monkeypatch, seen):
    clock = Clock(monkeypatch)
    lapse = datetime(2030, 6, 1, 16, 0)
    grant(shop, LicenceKind.FOOD, expires_on=date(2030, 6, 1))
    snack = make_product(shop, title="许可 薯片", category="snacks")
    fruit = make_product(shop, title="许可 苹果", category="produce")
    make_product(shop, title="许可 毛巾", category="household")  # chips show with two or more
    clock.set(lapse - timedelta(seconds=1))
    assert seen(client, app, snack) and seen(client, app, fruit)
    clock.set(lapse)
    assert not seen(client, app, snack)
    assert seen(client, app, fruit)  # a category without a licence is untouched
    grant(shop, LicenceKind.FOOD, expires_on=date(2032, 6, 1))  # the renewal, approved
    assert seen(client, app, snack)


def test_kept_pages_do_not_outlive_the_licence(tmp_path, make_user, make_shop, make_product):
    """A shop page kept for anonymous visitors for a minute is kept only until the licence's
    moment: the second visit after it renders again, without the product (real time here)."""
    generator = app_with_tables(KeptLonger, upload_dir=tmp_path)
    app = next(generator)
    try:
        shop = make_shop(make_user(Role.MERCHANT), licensed=False)
        grant(shop, LicenceKind.FOOD, expires_at=utcnow() + timedelta(seconds=1.5))
        far = grant(shop, LicenceKind.DRUG)
        snack = make_product(shop, title="缓存薯片", category="snacks")
        client = app.test_client()
        path = url(app, "shops.detail", handle=shop.handle)
        assert links(snack, client.get(path).text)
        assert len(app.extensions["shared_pages"].pages) == 1  # kept
        assert links(snack, client.get(path).text)
        time.sleep(max(0.0, (licences.next_expiry(utcnow()) - utcnow()).total_seconds()) + 0.3)
        assert licences.next_expiry(utcnow()) == far.expires_at
        assert not links(snack, client.get(path).text)
    finally:
        next(generator, None)


@pytest.mark.parametrize(("category", "granted", "named"), [
    ("snacks", None, "食品经营许可证"),
    ("health", None, "药品经营许可证"),
    ("health", LicenceKind.FOOD, "药品经营许可证"),  # a food licence does not open medicine
    ("snacks", LicenceKind.FOOD, None),
    ("health", LicenceKind.DRUG, None),
    ("produce", None, None),
])
def test_publishing_needs_the_licence_the_category_needs(app, client, login_as, shop, category,
                                                         granted, named):
    login_as(shop.owner)
    if granted:
        grant(shop, granted)
    form = {"title": "新商品", "category": category, "price": "3.50", "stock": "9",
            "low_stock_at": "5", "published": "y"}
    response = client.post(url(app, "catalog.products"), data=form)
    listed = db.session.scalar(select(Product).where(Product.shop_id == shop.id))
    if named is None:
        assert response.status_code == 303 and listed.published
        return
    assert response.status_code == 422 and listed is None
    assert named in response.text and "经营许可证" in response.text
    english = client.post(url(app, "catalog.products"), data=form, headers=EN)
    assert "Drug business licence" in english.text or "Food business licence" in english.text
    # Saved off sale it is kept; putting it on sale is refused, naming the licence.
    client.post(url(app, "catalog.products"), data={**form, "published": ""})
    product = db.session.scalar(select(Product).where(Product.shop_id == shop.id))
    assert product is not None and not product.published
    toggle = client.post(url(app, "catalog.publish", product_id=product.id),
                         data={"published": "1"}, headers=HX)
    assert toggle.status_code == 403 and named in toggle.text
    db.session.refresh(product)
    assert not product.published
    edit = client.post(url(app, "catalog.edit", product_id=product.id), data=form)
    assert edit.status_code == 422 and named in edit.text


def test_a_regulated_demand_reaches_only_licensed_shops(app, as_party, make_user, make_shop):
    licensed = make_shop(make_user(Role.MERCHANT), district_code=HERE, licensed=False)
    grant(licensed, LicenceKind.FOOD)
    unlicensed = make_shop(make_user(Role.MERCHANT), district_code=HERE, licensed=False)
    buyer = make_user(Role.BUYER)
    demand = posting.post_demand(buyer, demand_input(title="两箱牛奶", category="meat"))
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "demand_posted")))
    assert told == {licensed.owner_id}
    feeds = {shop.id: quoting.feed(shop, everything=True) for shop in (licensed, unlicensed)}
    assert [d.id for d in feeds[licensed.id].page.items] == [demand.id]
    assert feeds[unlicensed.id].page.items == [] and feeds[unlicensed.id].count == 0
    assert "meat" not in quoting.shop_categories(unlicensed)
    assert all(not room.endswith(":meat") for room in quoting.watched_rooms(unlicensed, True))
    # Quoting: refused for the unlicensed shop, naming the licence; the licensed one quotes.
    refused = as_party(unlicensed.owner).post(
        url(app, "demands.quote", demand_id=demand.id), data=quote_form())
    assert refused.status_code == 403 and "食品经营许可证" in refused.text
    sent = as_party(licensed.owner).post(
        url(app, "demands.quote", demand_id=demand.id), data=quote_form())
    assert sent.status_code == 303
    # An unregulated demand still reaches both.
    posting.post_demand(buyer, demand_input(title="一箱苹果", category="produce"))
    assert {n for n in db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "demand_posted"))} == {licensed.owner_id, unlicensed.owner_id}


def upload(app, client, **changes):
    data = {"kind": "food", "number": "JY 1110 5000 0000 01",
            "expires_on": (utcnow() + timedelta(days=400)).date().isoformat(),
            "photo": (__import__("io").BytesIO(jpeg_bytes()), "licence.jpg"), **changes}
    return client.post(url(app, "merchants.licences_page"), data=data,
                        content_type="multipart/form-data")


def trail(licence) -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).where(
        AuditLog.subject_type == "shop_licence", AuditLog.subject_id == licence.id)
        .order_by(AuditLog.id)))


def test_upload_then_review_per_field_with_audit(app, as_party, shop, make_user, make_product):
    merchant, admin = as_party(shop.owner), as_party(make_user(Role.ADMIN))
    snack = make_product(shop, title="薯片", category="snacks", licensed=False)
    assert upload(app, merchant).status_code == 303
    licence = db.session.scalar(select(ShopLicence).where(ShopLicence.shop_id == shop.id))
    assert licence.status is LicenceStatus.SUBMITTED and licence.number == "JY11105000000001"
    assert trail(licence) == ["licence.submitted"]
    assert "审核中" in assert_page(merchant.get(url(app, "merchants.licences_page")))
    # A second one of the same kind waits for the first.
    assert "已有一份在审核中" in upload(app, merchant).text
    queue = assert_page(admin.get(url(app, "admin.licences_queue")), "licence-queue")
    assert shop.name in queue and "1 份待审核" in queue
    page = assert_page(admin.get(url(app, "admin.licence_review", licence_id=licence.id)))
    for name in ("note_kind", "note_number", "note_expires_on", "note_photo"):
        assert f'name="{name}"' in page
    with admin.get(url(app, "merchants.licence_photo", licence_id=licence.id)) as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    # Approving with a reason written is refused; rejecting needs one.
    path = url(app, "admin.approve_licence", licence_id=licence.id)
    assert admin.post(path, data={"note_number": "看不清"}).status_code == 422
    reject = url(app, "admin.reject_licence", licence_id=licence.id)
    assert admin.post(reject, data={}).status_code == 422
    assert admin.post(reject, data={"note_number": "编号与照片不一致"}).status_code == 303
    db.session.refresh(licence)
    assert licence.status is LicenceStatus.REJECTED
    assert licence.review_notes == {"number": "编号与照片不一致"}
    assert admin.post(path).status_code == 409  # decided already
    assert trail(licence) == ["licence.submitted", "licence.rejected"]
    text = merchant.get(url(app, "merchants.licences_page")).text
    assert "编号与照片不一致" in text and "许可证编号" in text
    assert not licences.product_sellable(snack)
    # The corrected upload, approved: the product shows.
    assert upload(app, merchant, number="JY11105000000002").status_code == 303
    second = db.session.scalar(select(ShopLicence).where(
        ShopLicence.shop_id == shop.id, ShopLicence.status == LicenceStatus.SUBMITTED))
    decided = admin.post(url(app, "admin.approve_licence", licence_id=second.id), headers=HX)
    assert decided.status_code == 200 and "已通过" in decided.text
    assert trail(second) == ["licence.submitted", "licence.approved"]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "licence.approved"))
    assert entry.actor.role is Role.ADMIN and entry.detail["number"] == "JY11105000000002"
    assert licences.product_sellable(snack)
    shop_page = as_party(make_user(Role.BUYER)).get(url(app, "shops.detail", handle=shop.handle))
    assert "持证经营" in shop_page.text


@pytest.mark.parametrize(("form", "problem"), [
    ({"number": ""}, "请填写许可证编号"),
    ({"number": "JY<script>"}, "许可证编号只含字母、数字和连字符"),
    ({"kind": "tobacco"}, "不是有效的选择"),
    ({"expires_on": "2020-01-01"}, "该许可证已过期"),
    ({"expires_on": "not-a-date"}, "不是有效的日期值"),
    ({"photo": (__import__("io").BytesIO(b"not an image"), "x.jpg")}, ""),
])
def test_a_bad_upload_is_refused_on_the_form(app, as_party, shop, form, problem):
    response = upload(app, as_party(shop.owner), **form)
    assert response.status_code in (409, 422) and problem in response.text
    assert db.session.scalar(select(ShopLicence.id)) is None


def test_the_photo_is_for_its_shop_and_admins_only(app, as_party, shop, make_user, make_shop):
    licence = grant(shop, LicenceKind.FOOD)
    other = make_shop(make_user(Role.MERCHANT))
    path = url(app, "merchants.licence_photo", licence_id=licence.id)
    assert as_party(other.owner).get(path).status_code == 404
    assert as_party(make_user(Role.BUYER)).get(path).status_code == 403


def test_the_merchant_is_told_30_and_7_days_before(app, shop, monkeypatch):
    clock = Clock(monkeypatch)
    licence = grant(shop, LicenceKind.FOOD, expires_on=date(2030, 6, 1))
    lapse = licence.expires_at
    told = lambda: list(db.session.scalars(select(Notification.params).where(  # noqa: E731
        Notification.kind == "licence_expiring")))
    for days, sent in ((31, 0), (29.5, 1), (20, 0), (6.5, 1), (3, 0)):
        clock.set(lapse - timedelta(days=days))
        assert reminders.remind() == sent, days
    assert [p["days"] for p in told()] == [29, 6]
    clock.set(lapse - timedelta(days=3))
    assert licences.expiring(shop.id) == [licence]
    grant(shop, LicenceKind.FOOD, expires_on=date(2032, 6, 1))  # renewed: no more notices
    assert licences.expiring(shop.id) == []


def opened_shop(make_user) -> Shop:
    merchant, admin = make_user(Role.MERCHANT), make_user(Role.ADMIN)
    approve_application(submit_complete(merchant).id, admin)
    return shop_of(merchant)


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_renaming_a_verified_shop_waits_for_review(app, as_party, make_user, decision):
    shop = opened_shop(make_user)
    old = shop.name
    merchant = as_party(shop.owner)
    response = merchant.post(url(app, "merchants.shop_settings"),
                             data={"name": "新名字果铺", "description": "简介"})
    assert response.status_code == 303
    db.session.expire_all()
    assert shop.name == old and shop.description == "简介"
    latest = db.session.scalar(select(MerchantApplication).where(
        MerchantApplication.user_id == shop.owner_id).order_by(MerchantApplication.version.desc()))
    assert latest.version == 2 and latest.status is ApplicationStatus.SUBMITTED
    assert latest.shop_name == "新名字果铺"
    assert "新名称“新名字果铺”审核中" in merchant.get(url(app, "merchants.shop_settings")).text
    assert old in as_party(make_user(Role.BUYER)).get(url(app, "shops.detail", handle=shop.handle)).text
    admin = make_user(Role.ADMIN)
    review = as_party(admin).get(url(app, "admin.review", application_id=latest.id)).text
    assert re.search(r'class="changed">新名字果铺', review)  # marked as the change
    # A second rename while this one waits is refused on the field.
    again = merchant.post(url(app, "merchants.shop_settings"), data={"name": "第三个名字"})
    assert again.status_code == 422 and "认证店铺改名需要平台审核" in again.text
    if decision == "approve":
        approve_application(latest.id, admin)
    else:
        reject_application(latest.id, admin, {"shop_name": "名称含有误导性词语"})
    db.session.expire_all()
    assert shop.name == ("新名字果铺" if decision == "approve" else old)
    assert shop.status == "active"


def test_an_unverified_shop_renames_at_once(app, as_party, shop):
    as_party(shop.owner).post(url(app, "merchants.shop_settings"), data={"name": "直接改名"})
    db.session.expire_all()
    assert shop.name == "直接改名"
