"""Real-name data: real check-digit vectors, precise messages, and no plaintext ID at rest."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from stdnum.cn import ric

from tests.support.factories import submit_complete
from webapp.extensions import db
from webapp.merchants.forms import SubmitApplicationForm
from webapp.merchants.services import mask_id_number, reveal_id_number
from webapp.models import Role

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

VALID_ID = "11010519491231002X"
VALID_USCC = "91110000600037341L"


def errors_for(app, **fields):
    data = {"legal_name": "王小明", "id_number": VALID_ID, "uscc": VALID_USCC,
            "mobile": "13900001111", "shop_name": "店", "shop_address": "北京", **fields}
    with app.test_request_context(method="POST", data=data):
        form = SubmitApplicationForm()
        form.validate()
        return form.errors


def one_character_changes(value: str):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for i, old in enumerate(value):
        for new in alphabet:
            if new != old and (i != len(value) - 1 or new in "0123456789X" or len(value) == 18):
                yield value[:i] + new + value[i + 1:]


def test_the_real_vectors_are_valid(app):
    assert errors_for(app) == {}


def test_every_single_character_change_of_the_id_number_fails(app):
    changed = [v for v in one_character_changes(VALID_ID) if v[:17].isdigit()]
    assert len(changed) > 150
    for value in changed:
        assert not ric.is_valid(value), value
    for value in changed[::15]:  # through the form too, with a message
        assert "id_number" in errors_for(app, id_number=value)


def test_every_single_character_change_of_the_licence_code_fails(app):
    from stdnum.cn import uscc

    changed = list(one_character_changes(VALID_USCC))
    assert len(changed) > 400
    assert [v for v in changed if uscc.is_valid(v)] == []
    for value in changed[::40]:
        assert "uscc" in errors_for(app, uscc=value)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("id_number", "11010519491231002Y", "身份证号校验码不正确"),
    ("id_number", "1101051949123100", "身份证号应为 18 位"),
    ("id_number", "1101051949123100AX", "身份证号只能是数字"),
    ("id_number", "110105194902300019", "出生日期无效"),  # 30 February
    ("uscc", "91110000600037341M", "统一社会信用代码校验码不正确"),
    ("uscc", "9111000060003734", "统一社会信用代码应为 18 位"),
    ("mobile", "1390000111", "11 位"),  # 10 digits
    ("mobile", "23900001111", "11 位"),
])
def test_each_kind_of_mistake_gets_its_own_message(app, field, value, message):
    assert any(message in m for m in errors_for(app, **{field: value})[field])


def test_a_birth_date_in_the_future_is_refused(app):
    body = "11010520990101001"
    future = body + ric.calc_check_digit(body)
    assert "出生日期无效" in errors_for(app, id_number=future)["id_number"][0]


def test_lower_case_x_and_spaces_are_accepted_and_normalised(app):
    with app.test_request_context(method="POST", data={
            "legal_name": "王", "id_number": " 11010519491231002x ", "uscc": VALID_USCC.lower(),
            "mobile": "13900001111", "shop_name": "店", "shop_address": "北京"}):
        form = SubmitApplicationForm()
        assert form.validate(), form.errors
        assert (form.id_number.data, form.uscc.data) == (VALID_ID, VALID_USCC)


def test_no_plaintext_id_number_in_the_table(app, make_user):
    merchant = make_user(Role.MERCHANT)
    application = submit_complete(merchant)
    rows = db.session.execute(text("SELECT * FROM merchant_application")).all()
    assert len(rows) == 1
    for value in rows[0]:
        raw = value if isinstance(value, bytes) else str(value).encode()
        assert VALID_ID.encode() not in raw and b"19491231" not in raw
    assert rows[0]._mapping["id_number_masked"] == "1101**********002X"
    assert reveal_id_number(application) == VALID_ID


def test_mask_keeps_region_and_last_four():
    assert mask_id_number(VALID_ID) == "1101**********002X"
