"""Review regressions: Enter must not approve, re-approval updates the shop, only current
versions are queued, a taken wish gets its nearest free variant."""
import pytest
from sqlalchemy import func, select

from tests.support.factories import submit_complete
from tests.support.helpers import HX, url
from webapp.admin import services as admin
from webapp.extensions import db
from webapp.models import AuditLog, Role, Shop

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


def test_the_first_submit_button_of_the_decision_form_does_nothing(app, client, login_as,
                                                                   make_user):
    application = submit_complete(make_user(Role.MERCHANT))
    login_as(make_user(Role.ADMIN))
    page = client.get(url(app, "admin.review", application_id=application.id)).text
    form = page[page.index('<section id="decision-'):]
    first_button = form[form.index("<button"):form.index(">", form.index("<button")) + 1]
    assert "disabled" in first_button and "hidden" in first_button


def test_approving_with_a_reason_filled_in_is_refused(app, client, login_as, make_user):
    application = submit_complete(make_user(Role.MERCHANT))
    login_as(make_user(Role.ADMIN))
    response = client.post(url(app, "admin.approve", application_id=application.id), headers=HX,
                           data={"note_licence_photo": "模糊"})
    assert response.status_code == 422 and "驳回" in response.text
    assert db.session.scalar(select(func.count(Shop.id))) == 0


def test_an_approved_change_reaches_the_shop_but_keeps_its_address(app, make_user):
    merchant, boss = make_user(Role.MERCHANT), make_user(Role.ADMIN)
    shop = admin.approve(submit_complete(merchant, handle_wish="green").id, boss)
    second = submit_complete(merchant, shop_name="Green 2", shop_address="上海市 市辖区 黄浦区 1 号",
                             province_code="31", city_code="3101", district_code="310101")
    admin.approve(second.id, boss)
    db.session.refresh(shop)
    assert (shop.handle, shop.name, shop.address) == ("green", "Green 2", "上海市 市辖区 黄浦区 1 号")


def test_queues_show_each_merchants_current_version_only(app, make_user):
    merchant, boss = make_user(Role.MERCHANT), make_user(Role.ADMIN)
    first = submit_complete(merchant)
    admin.request_info(first.id, boss, {"uscc": "请核对"})
    second = submit_complete(merchant)
    admin.approve(second.id, boss)
    assert admin.review_queue("needs_info").items == []
    assert [a.id for a in admin.review_queue("approved").items] == [second.id]
    counts = admin.queue_counts()
    assert counts.get("needs_info", 0) == 0 and counts["approved"] == 1


def test_a_taken_wish_gets_its_nearest_free_variant(app, make_user):
    boss = make_user(Role.ADMIN)
    admin.approve(submit_complete(make_user(Role.MERCHANT), handle_wish="veg").id, boss)
    shop = admin.approve(submit_complete(make_user(Role.MERCHANT), handle_wish="veg").id, boss)
    assert shop.handle == "veg-2"


def test_a_reveal_is_audited_once_it_has_worked(app, make_user):
    application, boss = submit_complete(make_user(Role.MERCHANT)), make_user(Role.ADMIN)
    assert admin.reveal(application.id, boss) == "11010519491231002X"
    actions = db.session.scalars(select(AuditLog.action)).all()
    assert actions.count("application.id_revealed") == 1
