"""The real-name application and the shop's couriers: pages, htmx swaps and bad input."""
import re

import pytest
from sqlalchemy import func, select

from tests.support.factories import submit_complete
from tests.support.helpers import (
    HX,
    PHOTOS,
    application_form,
    assert_flash_error,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    input_value,
    selected_option,
    stored_files,
    typed_fields,
    url,
)
from webapp.extensions import db
from webapp.merchants import services
from webapp.models import ApplicationStatus, MerchantApplication, Role, User

VALID_ID = "11010519491231002X"


def applications() -> list[MerchantApplication]:
    return list(db.session.scalars(select(MerchantApplication).order_by(MerchantApplication.id)))


@pytest.fixture
def merchant(client, login_as, make_user):
    """A merchant without an application, logged in on `client`."""
    return login_as(make_user(Role.MERCHANT))


def test_apply_form_is_a_page_or_a_fragment(app, client, merchant):
    path = url(app, "merchants.apply")
    text = assert_page(client.get(path), "apply-form")
    assert 'enctype="multipart/form-data"' in text
    for name in PHOTOS:
        assert f'name="{name}" type="file"' in text
    assert 'name="action" value="draft"' in text and 'name="action" value="submit"' in text
    text = assert_fragment(client.get(path, headers=HX), "apply-form")
    assert 'hx-encoding="multipart/form-data"' in text


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_apply_stores_the_application_and_goes_to_the_dashboard(app, client, merchant, htmx):
    response = client.post(url(app, "merchants.apply"), headers=HX if htmx else {},
                           data=application_form(id_number=VALID_ID.lower()))
    if htmx:
        assert_htmx_redirect(response, url(app, "merchants.dashboard"))
    else:
        assert_redirect(response, url(app, "merchants.dashboard"))
    [application] = applications()
    assert application.user_id == merchant.id
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.id_number_masked == "1101**********002X"
    assert services.reveal_id_number(application) == VALID_ID
    assert (application.province_code, application.city_code, application.district_code) == (
        "11", "1101", "110105")
    assert application.shop_address == "北京市 朝阳区 建国路 1 号"
    assert all(getattr(application, kind) for kind in PHOTOS)
    dashboard = client.get(url(app, "merchants.dashboard")).text
    assert "审核中" in dashboard and VALID_ID not in dashboard


def test_a_pending_application_sends_the_form_back_to_the_dashboard(app, client, merchant):
    submit_complete(merchant)
    assert_redirect(client.get(url(app, "merchants.apply")), url(app, "merchants.dashboard"))
    response = client.post(url(app, "merchants.apply"), headers=HX, data=application_form())
    assert_htmx_redirect(response, url(app, "merchants.dashboard"))
    assert len(applications()) == 1


def test_a_rejected_merchant_gets_the_form_back_filled_in_but_without_the_id(
        app, client, merchant, make_user):
    from webapp.admin import services as admin

    first = submit_complete(merchant)
    admin.reject(first.id, make_user(Role.ADMIN), {"licence_photo": "营业执照不清晰"})
    text = assert_page(client.get(url(app, "merchants.apply")), "apply-form")
    assert "营业执照不清晰" in text
    form = application_form(photos=())
    for name in ("legal_name", "uscc", "mobile", "shop_name", "street"):
        assert input_value(text, name) == form[name]
    for name in ("province", "city", "district"):
        assert selected_option(text, name) == form[name]
    assert not input_value(text, "id_number")
    assert VALID_ID not in text and "1101**********002X" in text  # as the placeholder
    # Sent back as it came (no ID number, no photos): the last version's are kept.
    response = client.post(url(app, "merchants.apply"), data={**form, "id_number": ""})
    assert_redirect(response, url(app, "merchants.dashboard"))
    assert [a.version for a in applications()] == [1, 2]


BAD_APPLICATION = [
    ("id_number", "110105194912310021", "身份证号校验码不正确"),  # wrong check digit
    ("id_number", "11010519491231", "身份证号应为 18 位"),
    ("id_number", "11010519491331002X", "出生日期无效"),  # month 13
    ("id_number", "", "请输入身份证号"),
    ("uscc", "91110000600037341M", "统一社会信用代码校验码不正确"),  # wrong check digit
    ("uscc", "91110000600037341", "统一社会信用代码应为 18 位"),
    ("uscc", "", "请输入统一社会信用代码"),
    ("mobile", "12345678901", "请输入 11 位中国大陆手机号"),
    ("mobile", "1390000111", "请输入 11 位中国大陆手机号"),
    ("mobile", "139-0000-1111", "请输入 11 位中国大陆手机号"),
    ("mobile", "", "请输入联系手机"),
    ("legal_name", "", "请输入法定姓名"),
    ("shop_name", "  ", "请输入店铺名称"),
    ("street", "", "请输入详细地址"),
    ("street", "   ", "请输入详细地址"),
    ("district", "", "请选择省份、城市和区县"),
    ("district", "310101", "所选省份、城市和区县不匹配"),  # a Shanghai district in Beijing
    ("handle_wish", "my shop", "店铺网址只能用小写字母、数字和连字符"),
    ("handle_wish", "admin", "该网址为系统保留"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_APPLICATION,
                         ids=[f"{f}={v!r}" for f, v, _ in BAD_APPLICATION])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_apply_with_a_bad_field_says_why_and_keeps_everything_typed(
        app, client, merchant, field, value, message, htmx):
    data = application_form(**{field: value})
    response = client.post(url(app, "merchants.apply"), headers=HX if htmx else {}, data=data)
    text = (assert_fragment if htmx else assert_page)(response, "apply-form", status=422)
    # The message sits on its own field, which is marked invalid.
    assert re.search(rf'<p class="error" id="{field}-error">[^<]*{message}', text)
    assert f'aria-describedby="{field}-error" aria-invalid="true"' in text
    for name, typed in typed_fields(data).items():
        assert input_value(text, name) == typed, name
    assert selected_option(text, "province") == "11"
    assert selected_option(text, "city") == "1101"
    # A browser cannot be given a file back: the photos wait on a draft, shown as uploaded.
    assert "已选的照片已保存" in text and text.count("已上传 ✓，可重新选择") == 3
    [draft] = applications()
    assert draft.status is ApplicationStatus.DRAFT and not draft.legal_name
    assert len(stored_files(app)) == 3


def test_apply_with_nothing_filled_in_names_every_field(app, client, merchant):
    response = client.post(url(app, "merchants.apply"), headers=HX, data={})
    text = assert_fragment(response, "apply-form", status=422)
    for message in ("请输入法定姓名", "请输入身份证号", "请输入统一社会信用代码", "请输入联系手机",
                    "请输入店铺名称", "请选择省份、城市和区县", "请输入详细地址",
                    "请上传身份证人像面照片", "请上传身份证国徽面照片", "请上传营业执照照片"):
        assert message in text
    assert applications() == []


@pytest.mark.parametrize("role", [Role.BUYER, Role.COURIER, Role.ADMIN])
def test_only_merchants_apply(app, client, login_as, make_user, make_shop, role):
    login_as(make_user(role, **({"shop_id": make_shop().id} if role is Role.COURIER else {})))
    assert_page(client.get(url(app, "merchants.apply")), status=403)
    assert_flash_error(client.post(url(app, "merchants.apply"), headers=HX,
                                   data=application_form()), 403, "你没有权限")
    assert applications() == []


def test_couriers_is_a_page_or_a_fragment(app, client, login_as, world):
    login_as(world.merchant)
    path = url(app, "merchants.couriers")
    text = assert_page(client.get(path), "couriers")
    assert world.courier.display_name in text and world.other_courier.display_name not in text
    text = assert_fragment(client.get(path, headers=HX), "couriers")
    assert world.courier.mobile in text and world.other_courier.mobile not in text


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_create_courier_shows_them_in_the_list(app, client, login_as, world, htmx):
    login_as(world.merchant)
    response = client.post(url(app, "merchants.couriers"), headers=HX if htmx else {},
                           data={"display_name": "李骑手", "mobile": "13700001111",
                                 "password": "courier-pass"})
    text = (assert_fragment if htmx else assert_page)(response, "couriers")
    assert "已创建骑手 李骑手" in text
    assert not input_value(text, "mobile")  # a fresh form for the next one
    courier = db.session.scalar(select(User).where(User.mobile == "13700001111"))
    assert (courier.role, courier.shop_id) == (Role.COURIER, world.shop.id)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("mobile", "1370000111", "请输入 11 位中国大陆手机号"),
    ("display_name", "", "请输入姓名"),
    ("password", "short", "密码需 8 到 128 位"),
])
def test_create_courier_with_a_bad_field_keeps_the_form(app, client, login_as, world, field,
                                                        value, message):
    login_as(world.merchant)
    data = {"display_name": "李骑手", "mobile": "13700001111", "password": "courier-pass",
            field: value}
    response = client.post(url(app, "merchants.couriers"), headers=HX, data=data)
    text = assert_fragment(response, "couriers", status=422)
    assert message in text
    for name in ("display_name", "mobile"):
        assert input_value(text, name) == data[name]
    assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.COURIER)) == 2


def test_a_mobile_already_in_use_is_refused(app, client, login_as, world):
    login_as(world.merchant)
    response = client.post(url(app, "merchants.couriers"), headers=HX, data={
        "display_name": "重复", "mobile": world.other_courier.mobile, "password": "courier-pass"})
    text = assert_fragment(response, "couriers", 422)
    assert "该手机号已被使用" in text and 'value="重复"' in text  # what was typed stays
    assert db.session.scalar(select(func.count(User.id)).where(User.display_name == "重复")) == 0


def test_a_merchant_without_a_shop_cannot_manage_couriers(app, client, merchant):
    assert_page(client.get(url(app, "merchants.couriers")), status=403)


def test_a_buyer_cannot_manage_couriers(app, client, login_as, world):
    login_as(world.buyer)
    assert_flash_error(client.post(url(app, "merchants.couriers"), headers=HX, data={
        "display_name": "x", "mobile": "13700001111", "password": "courier-pass"}), 403, "你没有权限")
