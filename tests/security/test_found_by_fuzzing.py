"""What the fuzzing found, pinned down: a NUL byte, which PostgreSQL cannot store in text, used
to reach an INSERT or a lookup and come back as a 500."""
from __future__ import annotations

import io

import pytest

from tests.support.helpers import HX, assert_error_page, assert_flash_error
from tests.support.images import jpeg_bytes
from tests.support.security import changed_tables, path_for, snapshot
from webapp.extensions import db
from webapp.models import Product

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass


@pytest.mark.parametrize("endpoint, form", [
    ("admin.reject", {"note_legal_name": "姓名不符", "comment": "\x00"}),
    ("admin.request_info", {"note_id_front": "看不清", "comment": "a\x00b"}),
    ("admin.suspend", {"reason": "违规\x00"}),
])
def test_a_nul_byte_in_a_form_is_refused_before_anything_is_stored(app, victims, as_user,
                                                                   endpoint, form):
    application = {"admin.reject": victims.pending[1], "admin.request_info": victims.pending[2]}
    values = {"shop_id": victims.shop_x.id} if endpoint == "admin.suspend" else {
        "application_id": application[endpoint].id}
    client = as_user(victims.admin)
    before = snapshot()
    assert_error_page(client.post(path_for(app, endpoint, values), data=form), 400, "请求无效")
    assert_flash_error(client.post(path_for(app, endpoint, values), data=form, headers=HX), 400,
                       "请求无效")
    assert changed_tables(before, snapshot()) == []


def test_a_nul_byte_in_a_field_name_or_a_nameless_part_is_refused_too(app, victims, as_user):
    client = as_user(victims.buyer_a)
    path = path_for(app, "addresses.new", {})
    assert client.post(path, data={"contact\x00": "x"}).status_code == 400
    # A multipart part whose name is mangled ("\r") comes without one: no crash on it.
    response = client.post(path, data={"\r": "0", "photo": (io.BytesIO(jpeg_bytes((8, 8))),
                                                           "p.jpg")})
    assert response.status_code == 422


def test_a_nul_byte_in_a_url_part_is_an_unknown_page(app, victims, client):
    assert client.get(f"/s/{victims.shop_a.handle}%00").status_code == 404
    assert client.get(f"/s/{victims.shop_a.handle}").status_code == 200


def test_query_strings_keep_their_own_cleaning(app, victims, client):
    """Search and the region lists clean a NUL themselves: they still answer."""
    assert client.get("/search/?q=%00").status_code == 200
    assert client.get("/regions/cities?province=11%00").status_code == 200


@pytest.mark.parametrize("stock_seen", [" ", "\t", ""])
def test_a_blank_stock_seen_keeps_the_stock_as_it_is(app, victims, as_user, stock_seen):
    """make fuzz: stock_seen=" " passed Optional() and reached int() (a 500)."""
    product = victims.unpublished
    stock = product.stock
    client = as_user(victims.merchant_a)
    response = client.post(path_for(app, "catalog.edit", {"product_id": product.id}), headers=HX,
                           data={"title": product.title, "price": "9.90", "stock": str(stock),
                                 "stock_seen": stock_seen, "category": product.category})
    assert response.status_code == 200 and "已保存" in response.text
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == stock
