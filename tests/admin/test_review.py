"""Reviewing an application: the audit log, the revealed ID number, the handle the shop gets,
the merchant told live, suspension, and who may do any of it."""
import pytest
from sqlalchemy import func, select

from tests.support.factories import submit_complete
from tests.support.helpers import (
    HX,
    assert_flash_error,
    assert_fragment,
    assert_page,
    assert_redirect,
    url,
)
from webapp.admin import services
from webapp.extensions import db
from webapp.models import (
    AuditLog,
    Role,
    Shop,
    ShopStatus,
)

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

VALID_ID = "11010519491231002X"


@pytest.fixture
def merchant(make_user):
    return make_user(Role.MERCHANT)


@pytest.fixture
def application(merchant):
    return submit_complete(merchant)


@pytest.fixture
def admin(client, login_as, make_user):
    """An admin logged in on `client`."""
    return login_as(make_user(Role.ADMIN))


def audit_rows(action: str | None = None) -> list[AuditLog]:
    query = select(AuditLog).order_by(AuditLog.id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    return list(db.session.scalars(query))


def shop_of(merchant) -> Shop | None:
    db.session.expire_all()
    return db.session.scalar(select(Shop).where(Shop.owner_id == merchant.id))


def events(socket, name: str) -> list[dict]:
    return [m["args"][0] for m in socket.get_received() if m["name"] == name]


# Reveal.

@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_reveal_shows_the_full_number_and_is_audited(app, client, admin, application, htmx):
    review = assert_page(client.get(url(app, "admin.review", application_id=application.id)))
    assert VALID_ID not in review and "1101**********002X" in review
    assert audit_rows("application.id_revealed") == []

    response = client.post(url(app, "admin.reveal", application_id=application.id),
                           headers=HX if htmx else {})
    if htmx:
        text = assert_fragment(response, f"id-number-{application.id}")
    else:  # without JavaScript: the review page, the number in its place
        text = assert_page(response, f"decision-{application.id}")
    assert VALID_ID in text and "已记录查看" in text
    assert response.headers["Cache-Control"] == "private, no-store"
    [row] = audit_rows("application.id_revealed")
    assert (row.actor_id, row.subject_type, row.subject_id) == (
        admin.id, "merchant_application", application.id)
    assert row.detail == {"version": 1}
    assert row.at is not None


def test_each_reveal_is_logged(app, client, admin, application):
    for _ in range(2):
        client.post(url(app, "admin.reveal", application_id=application.id), headers=HX)
    assert len(audit_rows("application.id_revealed")) == 2
    text = client.get(url(app, "admin.review", application_id=application.id)).text
    assert text.count(f"{admin.display_name} · 查看完整身份证号") == 2


def test_the_applicant_cannot_reveal_their_own_number_through_the_admin_route(
        app, client, login_as, merchant, application):
    login_as(merchant)
    response = client.post(url(app, "admin.reveal", application_id=application.id))
    assert response.status_code == 403 and VALID_ID not in response.text
    assert VALID_ID not in client.get(url(app, "merchants.dashboard")).text


def test_anonymous_reveal_goes_to_login(app, client, application):
    response = client.post(url(app, "admin.reveal", application_id=application.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(url(app, "auth.login"))
    assert audit_rows("application.id_revealed") == []


# Every decision is audited.

@pytest.mark.parametrize(("endpoint", "data", "action", "detail"), [
    ("admin.approve", {}, "application.approved", {"notes": {}, "comment": "", "version": 1}),
    ("admin.reject", {"note_uscc": "与执照不符", "comment": "请核对"}, "application.rejected",
     {"notes": {"uscc": "与执照不符"}, "comment": "请核对", "version": 1}),
    ("admin.request_info", {"note_id_back": "看不清"}, "application.needs_info",
     {"notes": {"id_back": "看不清"}, "comment": "", "version": 1}),
])
def test_every_decision_writes_an_audit_row(app, client, admin, application, endpoint, data,
                                            action, detail):
    client.post(url(app, endpoint, application_id=application.id), headers=HX, data=data)
    [row] = audit_rows(action)
    assert (row.actor_id, row.subject_type, row.subject_id, row.detail) == (
        admin.id, "merchant_application", application.id, detail)
    # The review page's trail says who did what, and when.
    text = client.get(url(app, "admin.review", application_id=application.id)).text
    assert f"</time> {admin.display_name} · {services.AUDIT_LABELS[action]} · 第 1 版" in text


def test_approval_also_logs_the_shop_opening(app, client, admin, application, merchant):
    client.post(url(app, "admin.approve", application_id=application.id), headers=HX)
    shop = shop_of(merchant)
    [row] = audit_rows("shop.opened")
    assert (row.actor_id, row.subject_type, row.subject_id, row.detail) == (
        admin.id, "shop", shop.id, {"handle": shop.handle})


def test_a_refused_decision_writes_no_audit_row(app, client, admin, application):
    client.post(url(app, "admin.approve", application_id=application.id), headers=HX)
    before = len(audit_rows())
    client.post(url(app, "admin.approve", application_id=application.id), headers=HX)
    client.post(url(app, "admin.reject", application_id=application.id), headers=HX,
                data={"note_mobile": "x"})
    assert len(audit_rows()) == before


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_suspend_and_reinstate_are_audited(app, client, admin, application, merchant, htmx):
    shop = services.approve(application.id, admin)
    review = url(app, "admin.review", application_id=application.id)
    response = client.post(url(app, "admin.suspend", shop_id=shop.id),
                           headers=HX if htmx else {}, data={"reason": " 投诉核实中 ",
                                                             "back": review})
    if not htmx:
        assert_redirect(response, review)
        assert "已停业" in client.get(review).text
    assert shop_of(merchant).status is ShopStatus.SUSPENDED
    [row] = audit_rows("shop.suspended")
    assert (row.actor_id, row.subject_type, row.subject_id, row.detail) == (
        admin.id, "shop", shop.id, {"reason": "投诉核实中"})
    queue = client.get(url(app, "admin.applications", status="suspended"), headers=HX).text
    assert f'id="application-{application.id}"' in queue

    client.post(url(app, "admin.reinstate", shop_id=shop.id), headers=HX if htmx else {})
    assert shop_of(merchant).status is ShopStatus.ACTIVE
    [row] = audit_rows("shop.reinstated")
    assert (row.actor_id, row.subject_id) == (admin.id, shop.id)


def test_suspend_needs_a_reason_and_happens_once(app, client, admin, application, merchant):
    shop = services.approve(application.id, admin)
    path = url(app, "admin.suspend", shop_id=shop.id)
    assert_flash_error(client.post(path, headers=HX, data={"reason": "  "}), 422, "请填写停业原因")
    assert shop_of(merchant).status is ShopStatus.ACTIVE
    client.post(path, headers=HX, data={"reason": "投诉"})
    assert_flash_error(client.post(path, headers=HX, data={"reason": "再次"}), 409, "该店铺已停业")
    assert len(audit_rows("shop.suspended")) == 1
    assert_flash_error(client.post(url(app, "admin.suspend", shop_id=999), headers=HX,
                                   data={"reason": "x"}), 404, "找不到该店铺")


def test_suspend_goes_back_only_to_a_local_page(app, client, admin, application):
    shop = services.approve(application.id, admin)
    response = client.post(url(app, "admin.suspend", shop_id=shop.id),
                           data={"reason": "投诉", "back": "https://evil.example/"})
    assert_redirect(response, url(app, "admin.applications", status="suspended"))


# The handle the shop gets.

def test_approval_uses_the_wished_handle_when_free(app, admin, make_user):
    merchant = make_user(Role.MERCHANT)
    application = submit_complete(merchant, handle_wish="fresh-fruit")
    assert services.approve(application.id, admin).handle == "fresh-fruit"


def test_a_wished_handle_taken_meanwhile_gets_its_nearest_free_variant(app, admin, make_user,
                                                                       make_shop):
    application = submit_complete(make_user(Role.MERCHANT), handle_wish="fresh-fruit")
    make_shop(handle="fresh-fruit")  # another shop got there between submission and review
    shop = services.approve(application.id, admin)
    assert shop.handle == "fresh-fruit-2"
    assert db.session.scalar(select(func.count(Shop.id)).where(Shop.handle == "fresh-fruit")) == 1


@pytest.mark.parametrize("wish", ["", "fresh-fruit"])
def test_when_the_name_is_taken_too_a_random_free_handle_is_made(app, admin, make_user,
                                                                 make_shop, wish):
    make_shop(handle="fresh-fruit")
    for n in range(2, 10):  # and every variant of the wish
        make_shop(handle=f"fresh-fruit-{n}")
    make_shop(handle="green-grocer")
    application = submit_complete(make_user(Role.MERCHANT), handle_wish=wish)
    handle = services.approve(application.id, admin).handle
    assert handle.startswith("shop-") and len(handle) == len("shop-") + 6
    from webapp.shops.services import HANDLE

    assert HANDLE.match(handle)


def test_a_reserved_name_is_not_used_as_a_handle(app, admin, make_user):
    application = submit_complete(make_user(Role.MERCHANT), shop_name="Admin 商店")
    assert services.approve(application.id, admin).handle.startswith("shop-")


def test_a_handle_wish_is_never_given_to_two_shops(app, client, admin, make_user):
    first = submit_complete(make_user(Role.MERCHANT), handle_wish="fresh-fruit")
    second = submit_complete(make_user(Role.MERCHANT), handle_wish="fresh-fruit")
    handles = [services.approve(a.id, admin).handle for a in (first, second)]
    assert handles[0] == "fresh-fruit" and handles[1] != "fresh-fruit"


# The merchant is told live.

@pytest.mark.parametrize(("endpoint", "data", "status"), [
    ("admin.approve", {}, "approved"),
    ("admin.reject", {"note_licence_photo": "照片模糊"}, "rejected"),
    ("admin.request_info", {"note_licence_photo": "照片模糊"}, "needs_info"),
])
def test_the_merchant_is_told_live(app, client, admin, login_as, socket_client, merchant,
                                   application, make_user, endpoint, data, status):
    merchant_client, other_client = app.test_client(), app.test_client()
    login_as(merchant, merchant_client)
    login_as(make_user(Role.MERCHANT), other_client)
    mine, other = socket_client(merchant_client), socket_client(other_client)
    assert mine.is_connected() and other.is_connected()
    mine.get_received(), other.get_received()

    client.post(url(app, endpoint, application_id=application.id), headers=HX, data=data)

    assert events(mine, "merchant:reviewed") == [{"id": application.id, "status": status}]
    assert events(other, "merchant:reviewed") == []
    # What the page then fetches shows the outcome.
    dashboard = merchant_client.get(url(app, "merchants.dashboard")).text
    if status == "approved":
        assert url(app, "shops.detail", handle="green-grocer") in dashboard
    else:
        assert "照片模糊" in dashboard


def test_a_refused_decision_tells_no_one(app, client, admin, login_as, socket_client, merchant,
                                         application):
    merchant_client = app.test_client()
    login_as(merchant, merchant_client)
    socket = socket_client(merchant_client)
    client.post(url(app, "admin.reject", application_id=application.id), headers=HX,
                data={"note_mobile": ""})  # no reason: refused
    assert events(socket, "merchant:reviewed") == []


# Admin pages: who may see them.

def test_anonymous_visitors_are_sent_to_login_with_the_page_to_come_back_to(app, client,
                                                                            application):
    path = url(app, "admin.review", application_id=application.id)
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == url(app, "auth.login", next=path)
    response = client.get(path, headers=HX)
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith(
        url(app, "auth.login"))
