"""The region choices and check for WTForms forms, and the address macro."""
import re

import pytest
from flask import render_template_string, url_for
from wtforms.fields.choices import SelectChoice

from webapp.regions.fields import AddressForm, check_region, fill_choices

SHENZHEN = {"province": "44", "city": "4403", "district": "440305", "street": "科技园 1 号"}
MACRO = ('{% from "regions/_address_fields.html" import address_fields %}'
         "{{ address_fields(form) }}")


@pytest.fixture
def posted(app):
    """Build an AddressForm from a POST of `data`, inside that request (kept until teardown)."""
    contexts = []

    def build(**data) -> AddressForm:
        context = app.test_request_context(method="POST", data=data)
        context.push()
        contexts.append(context)
        return AddressForm()

    yield build
    for context in reversed(contexts):
        context.pop()


def values(field) -> list[str]:
    return [choice.value for choice in field.choices]


def test_choices_are_select_choices_with_a_blank_first(posted):
    form = posted(**SHENZHEN)
    for field, blank in ((form.province, "请选择省份"), (form.city, "请选择城市"),
                         (form.district, "请选择区县")):
        assert all(isinstance(choice, SelectChoice) for choice in field.choices)
        assert field.choices[0] == SelectChoice("", blank)
    assert len(form.province.choices) == 1 + 31
    assert len(form.city.choices) == 1 + 21 and "4403" in values(form.city)
    assert len(form.district.choices) == 1 + 9 and "440305" in values(form.district)


def test_nothing_chosen_offers_only_provinces(app):
    with app.test_request_context():
        form = AddressForm()
        assert len(form.province.choices) == 32
        assert values(form.city) == [""] and values(form.district) == [""]


def test_fill_choices_follows_the_current_data(app):
    with app.test_request_context():
        form = AddressForm()
        form.province.data, form.city.data = "11", "1101"
        fill_choices(form)
        assert values(form.city) == ["", "1101"]
        assert "110101" in values(form.district)


def test_a_city_left_over_from_another_province_offers_no_districts(posted):
    # a no-JS user changed the province and pressed 更新地区列表 with the old city still posted
    form = posted(**{**SHENZHEN, "province": "11"})
    assert values(form.city) == ["", "1101"]
    assert values(form.district) == [""]


def test_a_valid_address_validates(posted):
    form = posted(**SHENZHEN)
    assert form.validate(), form.errors
    assert check_region(form) is None


@pytest.mark.parametrize("change, message", [
    ({"province": ""}, "请选择省份、城市和区县"),
    ({"city": ""}, "请选择省份、城市和区县"),
    ({"district": ""}, "请选择省份、城市和区县"),
    ({"province": "11"}, "所选省份、城市和区县不匹配，请重新选择"),
    ({"district": "110101"}, "所选省份、城市和区县不匹配，请重新选择"),
    ({"city": "4401"}, "所选省份、城市和区县不匹配，请重新选择"),
    ({"district": "x" * 5000}, "所选省份、城市和区县不匹配，请重新选择"),
])
def test_check_region_names_the_problem(posted, change, message):
    form = posted(**{**SHENZHEN, **change})
    assert check_region(form) == message
    assert not form.validate()
    assert form.errors == {"district": [message]}


def test_missing_fields_in_the_post(posted):
    form = posted(street="科技园")
    assert check_region(form) == "请选择省份、城市和区县"
    assert not form.validate()


def test_macro_renders_the_cascade(posted):
    form = posted(**SHENZHEN)
    html = render_template_string(MACRO, form=form)
    for label, name in (("省份", "province"), ("城市", "city"), ("区县", "district")):
        assert f'<label for="{name}">{label}</label>' in html
    province = re.search(r'<select[^>]*name="province"[^>]*>', html).group(0)
    city = re.search(r'<select[^>]*name="city"[^>]*>', html).group(0)
    district = re.search(r'<select[^>]*name="district"[^>]*>', html).group(0)
    cities_url = url_for("regions.cities", reset="district").replace("&", "&amp;")
    assert f'hx-get="{cities_url}"' in province
    assert 'hx-target="#city"' in province and 'hx-trigger="change"' in province
    assert 'hx-swap="innerHTML"' in province
    assert f'hx-get="{url_for("regions.districts")}"' in city
    assert 'hx-target="#district"' in city and 'hx-swap="innerHTML"' in city
    assert "hx-" not in district and 'id="district"' in district
    # the current choice stays selected
    assert '<option selected value="440305">南山区</option>' in html
    assert 'name="street"' in html and "科技园 1 号" in html
    # no inline script, no hx-on: the CSP forbids both
    assert "<script" not in html and "hx-on" not in html and "onchange" not in html


def test_macro_offers_a_no_js_refresh_button(posted):
    form = posted(**SHENZHEN)
    html = render_template_string(MACRO, form=form)
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S)
    assert noscript is not None
    assert re.search(r'<button type="submit" name="region_refresh" value="1"[^>]*>更新地区列表'
                     r"</button>", noscript.group(1))


def test_macro_shows_the_region_error(posted):
    form = posted(**{**SHENZHEN, "province": "11"})
    form.validate()
    html = render_template_string(MACRO, form=form)
    assert '<p class="error" id="district-error">所选省份、城市和区县不匹配，请重新选择</p>' in html
    assert 'aria-describedby="district-error"' in html
