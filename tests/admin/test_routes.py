"""The review queue and page: approve opens a shop, reject and request-info need a reason per
field, each decision is taken once."""
import pytest
from sqlalchemy import func, select

from tests.support.factories import submit_complete
from tests.support.helpers import (
    HX,
    assert_error_page,
    assert_flash_error,
    assert_fragment,
    assert_page,
    assert_redirected_page,
    url,
)
from webapp.extensions import db
from webapp.models import ApplicationStatus, MerchantApplication, Role, Shop

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

VALID_ID = "11010519491231002X"


@pytest.fixture
def submit(make_user):
    def submit_for(shop_name: str = "Green Grocer 绿色菜铺") -> MerchantApplication:
        return submit_complete(make_user(Role.MERCHANT), shop_name=shop_name)

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
    assert url(app, "admin.review", application_id=application.id) in text
    assert "1101**********002X" in text and VALID_ID not in text
    assert "已等待" in text
    text = assert_fragment(client.get(path, headers=HX), "review-queue")
    assert "绿色菜铺" in text and VALID_ID not in text


def test_queue_is_oldest_first(app, client, admin, submit):
    first, second = submit("先到的店"), submit("后到的店")
    text = client.get(url(app, "admin.applications"), headers=HX).text
    assert text.index(f'id="application-{first.id}"') < text.index(
        f'id="application-{second.id}"')


def test_queue_filters_by_status(app, client, admin, submit):
    from webapp.admin import services

    pending = submit("待审核的店")
    rejected = submit("已驳回的店")
    asked = submit("待补充的店")
    approved = submit("已通过的店")
    suspended = submit("已停业的店")
    services.reject(rejected.id, admin, {"licence_photo": "资料不全"})
    services.request_info(asked.id, admin, {"id_back": "看不清"})
    services.approve(approved.id, admin)
    shop = services.approve(suspended.id, admin)
    services.suspend(shop.id, admin, "投诉核实中")
    expected = {"submitted": pending, "rejected": rejected, "needs_info": asked,
                "approved": approved, "suspended": suspended}
    everyone = (pending, rejected, asked, approved, suspended)
    for status, shown in expected.items():
        text = assert_fragment(client.get(url(app, "admin.applications", status=status),
                                          headers=HX), "review-queue")
        assert f'id="application-{shown.id}"' in text, status
        hidden = [a for a in everyone if a is not shown and not (
            status == "approved" and a is suspended)]  # a suspended shop is still approved
        for other in hidden:
            assert f'id="application-{other.id}"' not in text, (status, other.shop_name)
    # The tabs count each queue.
    text = client.get(url(app, "admin.applications")).text
    assert '待审核 <span class="count">1</span>' in text
    assert '已通过 <span class="count">2</span>' in text
    assert '已停业 <span class="count">1</span>' in text


def test_an_unknown_queue_is_404(app, client, admin):
    assert_page(client.get(url(app, "admin.applications", status="draft")), status=404)
    assert_page(client.get(url(app, "admin.applications", status="nonsense")), status=404)


def test_review_is_a_page_with_every_field_and_document(app, client, admin, submit):
    application = submit()
    text = assert_page(client.get(url(app, "admin.review", application_id=application.id)),
                       f"decision-{application.id}")
    for value in ("王小明", "1101**********002X", "91110000600037341L", "13900001111",
                  "北京市 朝阳区 建国路 1 号"):
        assert value in text
    assert VALID_ID not in text
    for kind in ("id_front", "id_back", "licence_photo"):
        assert url(app, "merchants.document", application_id=application.id, kind=kind) in text
        assert f'name="note_{kind}"' in text


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_approve_opens_the_shop(app, client, admin, submit, htmx):
    application = submit()
    response = client.post(url(app, "admin.approve", application_id=application.id),
                           headers=HX if htmx else {})
    review = url(app, "admin.review", application_id=application.id)
    if htmx:
        text = assert_fragment(response, f"decision-{application.id}")
    else:
        text = assert_redirected_page(client, response, review, f"decision-{application.id}")
        assert "已通过，店铺已开通：/s/green-grocer" in text
    assert url(app, "shops.detail", handle="green-grocer") in text and "已通过" in text
    shop = db.session.scalar(select(Shop))
    assert (shop.owner_id, shop.handle, shop.application_id) == (
        application.user_id, "green-grocer", application.id)
    assert shop.verified_at is not None
    assert status_of(application) is ApplicationStatus.APPROVED
    assert_page(client.get(url(app, "shops.detail", handle="green-grocer")))


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


@pytest.mark.parametrize(("endpoint", "status", "label"), [
    ("admin.reject", ApplicationStatus.REJECTED, "已驳回"),
    ("admin.request_info", ApplicationStatus.NEEDS_INFO, "待补充"),
])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_reject_or_ask_for_more_with_a_reason_per_field(app, client, admin, submit, htmx,
                                                       endpoint, status, label):
    application = submit()
    response = client.post(url(app, endpoint, application_id=application.id),
                           headers=HX if htmx else {},
                           data={"note_licence_photo": "  营业执照不清晰  ", "note_mobile": "",
                                 "note_nonsense": "不是字段", "comment": " 请重拍 "})
    review = url(app, "admin.review", application_id=application.id)
    if htmx:
        text = assert_fragment(response, f"decision-{application.id}")
    else:
        text = assert_redirected_page(client, response, review, f"decision-{application.id}")
    assert label in text and "营业执照不清晰" in text and "请重拍" in text
    assert status_of(application) is status
    db.session.expire_all()
    decided = db.session.get(MerchantApplication, application.id)
    assert decided.review_notes == {"licence_photo": "营业执照不清晰"}
    assert decided.review_comment == "请重拍"
    assert count_shops() == 0


@pytest.mark.parametrize("endpoint", ["admin.reject", "admin.request_info"])
@pytest.mark.parametrize("note", ["", "   "])
def test_reject_or_ask_without_any_reason_is_refused(app, client, admin, submit, endpoint,
                                                     note):
    application = submit()
    path = url(app, endpoint, application_id=application.id)
    data = {"note_licence_photo": note, "comment": note}
    assert_flash_error(client.post(path, headers=HX, data=data), 422, "请至少为一项资料填写原因")
    assert_error_page(client.post(path, data=data), 422, "请至少为一项资料填写原因")
    assert status_of(application) is ApplicationStatus.SUBMITTED


def test_reject_after_approve_is_a_conflict(app, client, admin, submit):
    application = submit()
    client.post(url(app, "admin.approve", application_id=application.id), headers=HX)
    response = client.post(url(app, "admin.reject", application_id=application.id), headers=HX,
                           data={"note_legal_name": "晚了"})
    assert_flash_error(response, 409, "该申请已被处理")
    assert status_of(application) is ApplicationStatus.APPROVED


@pytest.mark.parametrize("endpoint", ["admin.approve", "admin.reject", "admin.request_info",
                                      "admin.reveal"])
def test_unknown_application_is_404(app, client, admin, endpoint):
    response = client.post(url(app, endpoint, application_id=999), headers=HX,
                           data={"note_legal_name": "x"})
    assert_flash_error(response, 404, "找不到该申请")


def test_unknown_or_draft_application_has_no_review_page(app, client, admin, make_user):
    from webapp.merchants.services import save_application

    draft = save_application(make_user(Role.MERCHANT), fields={"legal_name": "草稿"},
                             id_number=None, documents={}, submit=False)
    assert_error_page(client.get(url(app, "admin.review", application_id=999)), 404,
                      "找不到该申请")
    assert_error_page(client.get(url(app, "admin.review", application_id=draft.id)), 404,
                      "找不到该申请")


def test_anonymous_users_are_sent_to_login(app, client, submit):
    application = submit()
    for path in (url(app, "admin.applications"),
                 url(app, "admin.review", application_id=application.id)):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(url(app, "auth.login"))
    response = client.post(url(app, "admin.approve", application_id=application.id), headers=HX)
    assert response.status_code == 401 and "HX-Redirect" in response.headers
    assert status_of(application) is ApplicationStatus.SUBMITTED
