"""The option-list fragments behind the cascading selects."""
import re

import pytest

from tests.support.helpers import HX, url, varies_on_htmx


def options(text: str) -> list[tuple[str, str]]:
    return re.findall(r'<option value="([^"]*)">([^<]*)</option>', text)


def assert_options(response) -> str:
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert varies_on_htmx(response)
    text = response.text
    assert "<html" not in text and "<!doctype" not in text.lower()
    assert text.lstrip().startswith("<option")
    return text


@pytest.mark.parametrize("headers", [{}, HX])
def test_cities_lists_a_provinces_cities(app, client, headers):
    text = assert_options(client.get(url(app, "regions.cities", province="44"), headers=headers))
    found = options(text)
    assert found[0] == ("", "请选择城市")
    assert ("4403", "深圳市") in found and ("4419", "东莞市") in found
    assert len(found) == 1 + 21
    assert "hx-swap-oob" not in text


@pytest.mark.parametrize("headers", [{}, HX])
def test_districts_lists_a_citys_districts(app, client, headers):
    text = assert_options(client.get(url(app, "regions.districts", city="4403"), headers=headers))
    found = options(text)
    assert found[0] == ("", "请选择区县")
    assert ("440305", "南山区") in found
    assert len(found) == 1 + 9


def test_both_ways_give_the_same_fragment(app, client):
    path = url(app, "regions.districts", city="1101")
    assert client.get(path).text == client.get(path, headers=HX).text


@pytest.mark.parametrize("endpoint, arg, blank", [
    ("regions.cities", "province", "请选择城市"),
    ("regions.districts", "city", "请选择区县"),
])
# 440305 is a district: a known code, but of neither level these endpoints take
@pytest.mark.parametrize("value", [None, "", "xx", "99", "440305", "4" * 5000, "11\x00",
                                   "<script>"])
@pytest.mark.parametrize("headers", [{}, HX])
def test_unknown_code_gives_only_the_empty_option(app, client, endpoint, arg, blank, value,
                                                  headers):
    values = {} if value is None else {arg: value}
    text = assert_options(client.get(url(app, endpoint, **values), headers=headers))
    assert options(text) == [("", blank)]
    assert "script" not in text


@pytest.mark.parametrize("endpoint, values", [
    ("regions.cities", {"province": "4403"}),    # a city is not a province
    ("regions.districts", {"city": "44"}),       # a province is not a city
    ("regions.cities", {"city": "44"}),          # the wrong parameter
])
def test_a_code_of_the_wrong_level_gives_only_the_empty_option(app, client, endpoint, values):
    assert len(options(assert_options(client.get(url(app, endpoint, **values))))) == 1


def test_cities_empties_the_district_select_out_of_band(app, client):
    text = assert_options(client.get(url(app, "regions.cities", province="11", reset="district"),
                                     headers=HX))
    assert options(text)[:2] == [("", "请选择城市"), ("1101", "市辖区")]
    oob = re.search(r'<select id="district" hx-swap-oob="innerHTML">(.*?)</select>', text, re.S)
    assert oob is not None
    assert options(oob.group(1)) == [("", "请选择区县")]
    # the out-of-band select comes after every option meant for the city select
    assert text.rstrip().endswith("</select>")


def test_unknown_province_still_empties_the_districts(app, client):
    text = assert_options(client.get(url(app, "regions.cities", province="xx", reset="district")))
    assert '<select id="district" hx-swap-oob="innerHTML">' in text


@pytest.mark.parametrize("reset", ['x" onclick="alert(1)', "1abc", "a b", "a" * 65, "#district",
                                   "<b>"])
def test_reset_takes_only_a_plain_element_id(app, client, reset):
    text = assert_options(client.get(url(app, "regions.cities", province="11", reset=reset)))
    assert "<select" not in text and "onclick" not in text
    assert options(text) == [("", "请选择城市"), ("1101", "市辖区")]
