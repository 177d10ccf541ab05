"""The review queue: approve opens a shop, reject needs a reason, each decision is taken once."""
import pytest
from sqlalchemy import func, select

from tests.helpers import (
    HX, assert_error_page, assert_flash_error, assert_fragment, assert_page,
    assert_redirected_page, url,
)
from webapp.extensions import db
from webapp.merchants import services as merchants
from webapp.models import ApplicationStatus, MerchantApplication, Role, Shop

VALID_ID = "11010519491231002X"
VALID_USCC = "91350100M000100Y43"


@pytest.fixture
def submit(make_user):
    def submit_for(shop_name: str = "Green Grocer 绿色菜铺") -> MerchantApplication:
        return merchants.submit_application(
            make_user(Role.MERCHANT), legal_name="王小明", id_number=VALID_ID, uscc=VALID_USCC,
            mobile="13900001111", shop_name=shop_name, shop_address="朝阳区 1 号")

    return submit_for


@pytest.fixture
def admin(client, login_as, make_user):
    return login_as(make_user(Role.ADMIN))


def status_of(application: MerchantApplication) -> ApplicationStatus:
    return db.session.scalar(select(MerchantApplication.status)
                             .where(MerchantApplication.id == application.id))


def count_shops() -> int:
    return db.session.scalar(select(func.count(Shop.id)))


def test_queue_is_a_page_or_a_fragment_with_ids_masked(app, client, admin, submit):
    application = submit()
    path = url(app, "admin.applications")
    text = assert_page(client.get(path), "review-queue")
    assert f'id="application-{application.id}"' in text
    assert "1101**********002X" in text and VALID_ID not in text
    text = assert_fragment(client.get(path, headers=HX), "review-queue")
    assert "绿色菜铺" in text


def test_queue_shows_only_pending_unless_asked_for_all(app, client, admin, submit):
    from webapp.admin import services

    done = submit("已处理的店")
    submit("待审核的店")
    services.reject(done.id, admin, "资料不全")
    text = client.get(url(app, "admin.applications"), headers=HX).text
    assert "待审核的店" in text and "已处理的店" not in text
    text = client.get(url(app, "admin.applications", all=1), headers=HX).text
    assert "待审核的店" in text and "已处理的店" in text and "资料不全" in text


def test_approve_returns_the_card_and_opens_the_shop(app, client, admin, submit):
    application = submit()
    response = client.post(url(app, "admin.approve", application_id=application.id), headers=HX)
    text = assert_fragment(response, f"application-{application.id}")
    shop = db.session.scalar(select(Shop))
    assert (shop.owner_id, shop.handle, shop.application_id) == (
        application.user_id, "green-grocer", application.id)
    assert shop.verified_at is not None
    assert url(app, "shops.detail", handle="green-grocer") in text and "已通过" in text
    assert status_of(application) is ApplicationStatus.APPROVED
    assert_page(client.get(url(app, "shops.detail", handle="green-grocer")))


def test_approve_without_htmx_goes_back_to_the_queue_with_a_notice(app, client, admin, submit):
    application, other = submit(), submit("另一家")
    response = client.post(url(app, "admin.approve", application_id=application.id))
    text = assert_redirected_page(client, response, url(app, "admin.applications"),
                                  "review-queue")
    assert f'id="application-{other.id}"' in text and "已通过，店铺已开通：/s/" in text
    assert status_of(application) is ApplicationStatus.APPROVED


def test_a_shop_name_without_ascii_gets_a_random_handle(app, client, admin, submit):
    application = submit("绿色菜铺")
    client.post(url(app, "admin.approve", application_id=application.id), headers=HX)
    assert db.session.scalar(select(Shop.handle)).startswith("shop-")


def test_approve_twice_is_a_conflict_shown_in_the_flash(app, client, admin, submit):
    application = submit()
    path = url(app, "admin.approve", application_id=application.id)
    client.post(path, headers=HX)
    assert_flash_error(client.post(path, headers=HX), 409, "该申请已被处理")
    assert_error_page(client.post(path), 409, "该申请已被处理")
    assert count_shops() == 1


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_reject_with_a_reason(app, client, admin, submit, htmx):
    application = submit()
    response = client.post(url(app, "admin.reject", application_id=application.id),
                           headers=HX if htmx else {}, data={"comment": "  营业执照不清晰  "})
    if htmx:
        text = assert_fragment(response, f"application-{application.id}")
        assert "驳回原因：营业执照不清晰" in text
    else:
        text = assert_redirected_page(client, response, url(app, "admin.applications"),
                                      "review-queue")
        assert "已驳回" in text
    assert status_of(application) is ApplicationStatus.REJECTED
    db.session.expire_all()
    assert db.session.get(MerchantApplication, application.id).review_comment == "营业执照不清晰"
    assert count_shops() == 0


@pytest.mark.parametrize("comment", ["", "   "])
def test_reject_without_a_reason_is_refused(app, client, admin, submit, comment):
    application = submit()
    path = url(app, "admin.reject", application_id=application.id)
    assert_flash_error(client.post(path, headers=HX, data={"comment": comment}), 422,
                       "请填写驳回原因")
    assert_error_page(client.post(path, data={"comment": comment}), 422, "请填写驳回原因")
    assert status_of(application) is ApplicationStatus.SUBMITTED


def test_reject_after_approve_is_a_conflict(app, client, admin, submit):
    application = submit()
    client.post(url(app, "admin.approve", application_id=application.id), headers=HX)
    response = client.post(url(app, "admin.reject", application_id=application.id), headers=HX,
                           data={"comment": "晚了"})
    assert_flash_error(response, 409, "该申请已被处理")
    assert status_of(application) is ApplicationStatus.APPROVED


@pytest.mark.parametrize("endpoint", ["admin.approve", "admin.reject"])
def test_unknown_application_is_404(app, client, admin, endpoint):
    response = client.post(url(app, endpoint, application_id=999), headers=HX,
                           data={"comment": "x"})
    assert_flash_error(response, 404, "找不到该申请")


@pytest.mark.parametrize("role", [Role.BUYER, Role.MERCHANT])
def test_only_admins_review(app, client, login_as, make_user, submit, role):
    application = submit()
    login_as(make_user(role))
    assert_page(client.get(url(app, "admin.applications")), status=403)
    assert_flash_error(client.post(url(app, "admin.approve", application_id=application.id),
                                   headers=HX), 403, "你没有权限")
    assert_flash_error(client.post(url(app, "admin.reject", application_id=application.id),
                                   headers=HX, data={"comment": "x"}), 403, "你没有权限")
    assert status_of(application) is ApplicationStatus.SUBMITTED
    assert count_shops() == 0
