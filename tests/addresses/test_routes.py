"""The buyer's address book: checked regions and pins, one default, only the buyer's own."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from tests.support.helpers import (
    HX,
    assert_error_page,
    assert_flash_error,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    checkout_data,
    input_value,
    option_values,
    selected_option,
    url,
)
from webapp.extensions import db
from webapp.models import Address, Order, Role

FORM = {"contact_name": "李四", "mobile": "13912345678", "province": "11", "city": "1101",
        "district": "110105", "street": "建国路 1 号", "lat": "39.9087", "lng": "116.4605"}


def book(user) -> list[Address]:
    db.session.expire_all()
    return list(db.session.scalars(select(Address).where(Address.user_id == user.id)
                                   .order_by(Address.id)))


def defaults(user) -> list[int]:
    return [a.id for a in book(user) if a.is_default]


def count_addresses() -> int:
    return db.session.scalar(select(func.count(Address.id)))


def test_the_book_lists_the_default_first(app, client, login_as, world, make_address):
    older = make_address(world.buyer, detail="光华路 2 号")
    newer = make_address(world.buyer, detail="建国路 1 号")
    make_address(world.other_buyer, detail="别人家 9 号")
    login_as(world.buyer)
    text = assert_page(client.get(url(app, "addresses.index")), "address-list")
    assert text.index(f'id="address-{older.id}"') < text.index(f'id="address-{newer.id}"')
    assert "北京市 朝阳区 光华路 2 号" in text and "别人家 9 号" not in text


def test_the_new_form_starts_with_the_buyers_name(app, client, login_as, make_user):
    buyer = make_user(Role.BUYER, display_name="王五", mobile="13711112222")
    login_as(buyer)
    text = assert_page(client.get(url(app, "addresses.new")), "address-form")
    assert input_value(text, "contact_name") == "王五"
    assert input_value(text, "mobile") == "13711112222"
    assert option_values(text, "city") == [""]  # no province chosen yet


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_the_first_address_becomes_the_default(app, client, login_as, world, htmx):
    login_as(world.buyer)
    response = client.post(url(app, "addresses.new"), headers=HX if htmx else {}, data=FORM)
    (assert_htmx_redirect if htmx else assert_redirect)(response, url(app, "addresses.index"))
    (address,) = book(world.buyer)
    assert (address.contact_name, address.mobile, address.province_code, address.city_code,
            address.district_code, address.detail, address.lat, address.lng) == (
        "李四", "13912345678", "11", "1101", "110105", "建国路 1 号", 39.9087, 116.4605)
    assert address.is_default and address.full_text == "北京市 朝阳区 建国路 1 号"
    # A second one is not the default unless asked to be.
    client.post(url(app, "addresses.new"), data={**FORM, "street": "光华路 2 号"})
    assert defaults(world.buyer) == [address.id]
    client.post(url(app, "addresses.new"), data={**FORM, "street": "三里屯 3 号",
                                                 "is_default": "y"})
    third = book(world.buyer)[-1]
    assert third.detail == "三里屯 3 号" and defaults(world.buyer) == [third.id]


def test_an_address_without_a_pin_is_fine(app, client, login_as, world):
    login_as(world.buyer)
    response = client.post(url(app, "addresses.new"), data={**FORM, "lat": "", "lng": ""})
    assert response.status_code == 303
    (address,) = book(world.buyer)
    assert (address.lat, address.lng) == (None, None)


BAD_ADDRESSES = [
    ({"district": ""}, "请选择省份、城市和区县"),
    ({"province": "", "city": "", "district": ""}, "请选择省份、城市和区县"),
    ({"city": "3101", "district": "310101"}, "所选省份、城市和区县不匹配"),  # Shanghai in Beijing
    ({"district": "310101"}, "所选省份、城市和区县不匹配"),
    ({"province": "99", "city": "9901", "district": "990101"}, "所选省份、城市和区县不匹配"),
    ({"mobile": "1391234567"}, "请输入 11 位中国大陆手机号"),
    ({"mobile": "23912345678"}, "请输入 11 位中国大陆手机号"),
    ({"mobile": ""}, "请输入手机号"),
    ({"contact_name": ""}, "请输入收货人姓名"),
    ({"street": ""}, "请输入详细地址"),
    ({"street": "长" * 201}, "200"),
    ({"lng": ""}, "地图位置无效"),  # a pin is both coordinates or neither
    ({"lat": ""}, "地图位置无效"),
    ({"lat": "123"}, "地图位置无效"),
    ({"lng": "-180.5"}, "地图位置无效"),
    ({"lat": "abc"}, "地图位置无效"),
    ({"lat": "nan"}, "地图位置无效"),
    ({"lng": "inf"}, "地图位置无效"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_ADDRESSES,
                         ids=[",".join(f"{k}={v[:12]!r}" for k, v in c.items())
                              for c, _ in BAD_ADDRESSES])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_bad_address_is_refused_with_what_was_typed(app, client, login_as, world, changes,
                                                      message, htmx):
    login_as(world.buyer)
    data = {**FORM, **changes}
    response = client.post(url(app, "addresses.new"), headers=HX if htmx else {}, data=data)
    text = (assert_fragment if htmx else assert_page)(response, "address-form", status=422)
    assert message in text
    for name in ("contact_name", "mobile", "street", "lat", "lng"):
        assert (input_value(text, name) or "") == data[name], name
    if data["province"] in option_values(text, "province")[1:]:  # a real province stays chosen
        assert selected_option(text, "province") == data["province"]
    assert count_addresses() == 0


def test_a_missing_district_keeps_province_and_city(app, client, login_as, world):
    login_as(world.buyer)
    response = client.post(url(app, "addresses.new"), headers=HX, data={**FORM, "district": ""})
    text = assert_fragment(response, "address-form", status=422)
    assert (selected_option(text, "province"), selected_option(text, "city")) == ("11", "1101")
    assert "110105" in option_values(text, "district")  # the city's districts to pick from
    assert count_addresses() == 0


def test_a_region_refresh_without_javascript_saves_nothing(app, client, login_as, world):
    login_as(world.buyer)
    # The buyer switched the province to Shanghai and pressed "更新地区列表".
    data = {**FORM, "province": "31", "region_refresh": "1"}
    text = assert_page(client.post(url(app, "addresses.new"), data=data), "address-form")
    assert selected_option(text, "province") == "31"
    assert "3101" in option_values(text, "city") and "1101" not in option_values(text, "city")
    assert option_values(text, "district") == [""]  # the old city's districts are gone
    assert input_value(text, "street") == "建国路 1 号" and "has-error" not in text
    assert count_addresses() == 0
    # Then a city: its districts are offered, still nothing saved.
    text = client.post(url(app, "addresses.new"), headers=HX,
                       data={**data, "city": "3101", "district": ""}).text
    assert "310101" in option_values(text, "district")
    assert count_addresses() == 0


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_editing_an_address(app, client, login_as, world, make_address, htmx):
    address = make_address(world.buyer, contact_name="张三", detail="建国路 1 号")
    login_as(world.buyer)
    path = url(app, "addresses.edit", address_id=address.id)
    text = assert_page(client.get(path), "address-form")
    assert input_value(text, "contact_name") == "张三"
    assert selected_option(text, "district") == "110105"
    response = client.post(path, headers=HX if htmx else {}, data={
        **FORM, "contact_name": "张三丰", "city": "1101", "district": "110101",
        "street": "东华门街道 5 号", "lat": "", "lng": ""})
    (assert_htmx_redirect if htmx else assert_redirect)(response, url(app, "addresses.index"))
    (saved,) = book(world.buyer)
    assert (saved.id, saved.contact_name, saved.district_code, saved.detail, saved.lat) == (
        address.id, "张三丰", "110101", "东华门街道 5 号", None)
    assert saved.is_default  # editing without the box ticked does not drop the default


def test_a_bad_edit_changes_nothing(app, client, login_as, world, make_address):
    address = make_address(world.buyer)
    login_as(world.buyer)
    response = client.post(url(app, "addresses.edit", address_id=address.id), headers=HX,
                           data={**FORM, "street": "新地址", "district": ""})
    assert "请选择省份、城市和区县" in assert_fragment(response, "address-form", status=422)
    assert book(world.buyer)[0].detail == "建国路 1 号"


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_setting_the_default_leaves_one_default(app, client, login_as, world, make_address,
                                                htmx):
    first = make_address(world.buyer)
    second = make_address(world.buyer, detail="光华路 2 号")
    login_as(world.buyer)
    assert defaults(world.buyer) == [first.id]
    response = client.post(url(app, "addresses.make_default", address_id=second.id),
                           headers=HX if htmx else {})
    if htmx:
        text = assert_fragment(response, "address-list")
        assert text.index(f'id="address-{second.id}"') < text.index(f'id="address-{first.id}"')
    else:
        assert_redirect(response, url(app, "addresses.index"))
    assert defaults(world.buyer) == [second.id]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_deleting_the_default_makes_another_the_default(app, client, login_as, world,
                                                        make_address, htmx):
    first = make_address(world.buyer)
    second = make_address(world.buyer, detail="光华路 2 号")
    third = make_address(world.buyer, detail="三里屯 3 号")
    login_as(world.buyer)
    response = client.post(url(app, "addresses.delete", address_id=first.id),
                           headers=HX if htmx else {})
    if htmx:
        text = assert_fragment(response, "address-list")
        assert f'id="address-{first.id}"' not in text
    else:
        assert_redirect(response, url(app, "addresses.index"))
    assert [a.id for a in book(world.buyer)] == [second.id, third.id]
    assert len(defaults(world.buyer)) == 1
    # Deleting one that is not the default leaves the default where it is.
    default = defaults(world.buyer)[0]
    other = ({second.id, third.id} - {default}).pop()
    client.post(url(app, "addresses.delete", address_id=other))
    assert defaults(world.buyer) == [default]
    client.post(url(app, "addresses.delete", address_id=default))
    assert book(world.buyer) == []


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_another_buyers_address_is_404_and_stays(app, client, login_as, world, make_address,
                                                 htmx):
    theirs = make_address(world.other_buyer, detail="别人家 9 号")
    make_address(world.other_buyer, detail="别人家 10 号")
    mine = make_address(world.buyer)
    login_as(world.buyer)
    headers = HX if htmx else {}
    check = ((lambda r: assert_flash_error(r, 404, "找不到")) if htmx
             else (lambda r: assert_error_page(r, 404, "找不到")))
    edit = url(app, "addresses.edit", address_id=theirs.id)
    get = client.get(edit, headers=headers)
    check(get)
    assert "别人家 9 号" not in get.text
    check(client.post(edit, headers=headers, data={**FORM, "street": "改掉"}))
    check(client.post(url(app, "addresses.make_default", address_id=theirs.id), headers=headers))
    check(client.post(url(app, "addresses.delete", address_id=theirs.id), headers=headers))
    assert [(a.detail, a.is_default) for a in book(world.other_buyer)] == [
        ("别人家 9 号", True), ("别人家 10 号", False)]
    assert defaults(world.buyer) == [mine.id]


def test_the_twenty_first_address_is_refused(app, client, login_as, world, make_address):
    for n in range(20):
        make_address(world.buyer, detail=f"建国路 {n} 号")
    login_as(world.buyer)
    response = client.post(url(app, "addresses.new"), headers=HX,
                           data={**FORM, "street": "第二十一个"})
    assert_flash_error(response, 409, "最多保存 20 个地址")
    assert_error_page(client.post(url(app, "addresses.new"), data=FORM), 409, "最多保存 20 个地址")
    assert len(book(world.buyer)) == 20
    assert "第二十一个" not in [a.detail for a in book(world.buyer)]
    # Editing one of the twenty is still fine.
    first = book(world.buyer)[0]
    assert client.post(url(app, "addresses.edit", address_id=first.id),
                       data={**FORM, "street": "改过"}).status_code == 303
    assert book(world.buyer)[0].detail == "改过"


def test_next_goes_back_to_checkout_with_the_new_address(app, client, login_as, world):
    login_as(world.buyer)
    checkout = url(app, "orders.checkout", shop_id=world.shop.id)
    form = client.get(url(app, "addresses.new", next=checkout)).text
    assert f'action="{url(app, "addresses.new")}?next={quote(checkout, safe="")}"' in form
    assert "返回结算" in form
    response = client.post(url(app, "addresses.new", next=checkout), data=FORM)
    (address,) = book(world.buyer)
    assert_redirect(response, f"{checkout}?address={address.id}")
    # A next that already has a query string gets the address added to it.
    response = client.post(url(app, "addresses.new", next=f"{checkout}?from=cart"),
                           data={**FORM, "street": "光华路 2 号"})
    assert_redirect(response, f"{checkout}?from=cart&address={book(world.buyer)[-1].id}")


@pytest.mark.parametrize("target", [
    "https://evil.example/steal", "//evil.example/steal", "/\\evil.example", "javascript:alert(1)",
    "/\t/evil.example", "http:/evil.example",
])
def test_next_only_goes_to_this_site(app, client, login_as, world, target):
    login_as(world.buyer)
    form = client.get(url(app, "addresses.new", next=target)).text
    assert "evil" not in form and "javascript" not in form
    response = client.post(url(app, "addresses.new", next=target), data=FORM)
    assert_redirect(response, url(app, "addresses.index"))
    assert count_addresses() == 1


def test_an_order_keeps_its_address_after_the_book_changes(app, client, login_as, world,
                                                           make_address, add_to_cart):
    address = make_address(world.buyer, contact_name="张三", detail="建国路 1 号",
                           lat=39.9087, lng=116.4605)
    add_to_cart(world.buyer, world.product, 1)
    login_as(world.buyer)
    assert client.post(url(app, "orders.checkout", shop_id=world.shop.id),
                       data=checkout_data(app, address)).status_code == 303
    order = db.session.scalar(select(Order))
    snapshot = ("张三", "13912345678", "北京市 朝阳区 建国路 1 号", "110105", 39.9087,
                116.4605)

    def order_address():
        db.session.expire_all()
        o = db.session.get(Order, order.id)
        return (o.recipient_name, o.recipient_mobile, o.address, o.district_code, o.dest_lat,
                o.dest_lng)

    assert order_address() == snapshot
    client.post(url(app, "addresses.edit", address_id=address.id), data={
        **FORM, "contact_name": "王五", "mobile": "13800001111", "city": "1101",
        "district": "110101", "street": "东华门街道 5 号", "lat": "", "lng": ""})
    assert book(world.buyer)[0].detail == "东华门街道 5 号"
    assert order_address() == snapshot
    client.post(url(app, "addresses.delete", address_id=address.id))
    assert book(world.buyer) == [] and order_address() == snapshot
    page = client.get(url(app, "orders.detail", order_id=order.id)).text
    assert "北京市 朝阳区 建国路 1 号" in page and "东华门街道" not in page


ADDRESS_ENDPOINTS = [("addresses.index", "get", {}), ("addresses.new", "get", {}),
                     ("addresses.new", "post", {}), ("addresses.edit", "post", {"address_id": 1}),
                     ("addresses.make_default", "post", {"address_id": 1}),
                     ("addresses.delete", "post", {"address_id": 1})]


@pytest.mark.parametrize("role", [Role.MERCHANT, Role.COURIER, Role.ADMIN])
@pytest.mark.parametrize(("endpoint", "method", "values"), ADDRESS_ENDPOINTS,
                         ids=[f"{m}-{e}" for e, m, _ in ADDRESS_ENDPOINTS])
def test_only_buyers_have_an_address_book(app, client, login_as, world, make_address, role,
                                          endpoint, method, values):
    address = make_address(world.buyer)
    login_as({Role.MERCHANT: world.merchant, Role.COURIER: world.courier,
              Role.ADMIN: world.admin}[role])
    path = url(app, endpoint, **{k: address.id for k in values})
    send = getattr(client, method)
    data = FORM if method == "post" else None
    assert_flash_error(send(path, headers=HX, data=data), 403, "你没有权限")
    assert_error_page(send(path, data=data), 403, "你没有权限")
    assert count_addresses() == 1 and book(world.buyer)[0].detail == "建国路 1 号"


def test_an_anonymous_visitor_is_sent_to_log_in(app, client, world):
    path = url(app, "addresses.new")
    response = client.post(path, data=FORM)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(url(app, "auth.login"))
    response = client.get(path, headers={**HX, "HX-Current-URL": f"http://localhost{path}"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == url(app, "auth.login", next=path)
    assert count_addresses() == 0
