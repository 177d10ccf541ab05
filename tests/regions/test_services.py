"""The shipped province/city/district data and the lookups over it."""
import json

import pytest

from webapp.regions import services


def all_cities():
    return [city for code, _ in services.provinces() for city in services.cities(code)]


def all_districts():
    return [district for code, _ in all_cities() for district in services.districts(code)]


def test_counts_match_the_data_file():
    assert len(services.provinces()) == 31
    assert len(all_cities()) == 342
    assert len(all_districts()) == 3056


def test_the_file_is_nested_code_name_children():
    tree = json.loads(services.DATA.read_text(encoding="utf-8"))
    for province in tree:
        assert set(province) == {"code", "name", "children"} and len(province["code"]) == 2
        for city in province["children"]:
            assert set(city) == {"code", "name", "children"} and len(city["code"]) == 4
            assert city["code"].startswith(province["code"])
            for district in city["children"]:
                assert set(district) == {"code", "name"}
                assert district["code"].startswith(city["code"])
                # 6-digit county codes, or 9-digit townships where a city has no county level
                assert len(district["code"]) in (6, 9)


def test_codes_are_unique_across_levels():
    codes = [c for c, _ in services.provinces()] + [c for c, _ in all_cities()] + [
        c for c, _ in all_districts()]
    assert len(codes) == len(set(codes)) == 31 + 342 + 3056


def test_the_file_is_read_once():
    assert services._index() is services._index()


def test_returned_lists_do_not_leak_the_cache():
    services.provinces().clear()
    services.cities("11").clear()
    services.districts("1101").clear()
    assert len(services.provinces()) == 31
    assert services.cities("11") == [("1101", "市辖区")]
    assert ("110101", "东城区") in services.districts("1101")


@pytest.mark.parametrize("path,full", [
    ((("11", "北京市"), ("1101", "市辖区"), ("110101", "东城区")), "北京市 东城区"),
    ((("44", "广东省"), ("4403", "深圳市"), ("440305", "南山区")), "广东省 深圳市 南山区"),
    ((("65", "新疆维吾尔自治区"), ("6590", "自治区直辖县级行政区划"), ("659001", "石河子市")),
     "新疆维吾尔自治区 石河子市"),
    # 东莞 has no county level: its "districts" are 9-digit townships
    ((("44", "广东省"), ("4419", "东莞市"), ("441900003", "东城街道")), "广东省 东莞市 东城街道"),
])
def test_known_paths(path, full):
    """The data keeps its placeholder levels (市辖区, 直辖县级…); a written address leaves them out."""
    (p, p_name), (c, c_name), (d, d_name) = path
    assert (p, p_name) in services.provinces()
    assert (c, c_name) in services.cities(p)
    assert (d, d_name) in services.districts(c)
    assert [services.name_of(code) for code in (p, c, d)] == [p_name, c_name, d_name]
    assert services.full_name(p, c, d) == full
    assert services.valid_path(p, c, d)


def test_provinces_in_code_order():
    codes = [code for code, _ in services.provinces()]
    assert codes == sorted(codes)
    assert codes[0] == "11" and codes[-1] == "65"


def test_full_name_example():
    assert services.full_name("11", "1101", "110101") == "北京市 东城区"
    assert services.full_name("42", "4290", "429004") == "湖北省 仙桃市"


def test_full_name_skips_unknown_codes():
    assert services.full_name("44", "xx", None) == "广东省"
    assert services.full_name("", "", "") == ""


@pytest.mark.parametrize("province, city, district", [
    ("11", "4403", "440305"),     # city of another province
    ("44", "4403", "110101"),     # district of another city
    ("44", "4401", "440305"),     # district of a sibling city
    ("4403", "44", "440305"),     # levels swapped
    ("44", "440305", "4403"),
    ("11", "1101", "1101"),       # a city where the district goes
    ("11", "11", "11"),
    ("44", "4403", ""),
    ("44", "", "440305"),
    ("", "4403", "440305"),
    ("", "", ""),
    ("xx", "xx", "xx"),
    ("44", "4403", "440305" * 1000),
    ("4" * 10_000, "4403", "440305"),
    (" 44", "4403", "440305"),
    ("44", "4403 ", "440305"),
    (None, None, None),
    (44, 4403, 440305),
    (["44"], {"4403": 1}, ("440305",)),
])
def test_valid_path_refuses_wrong_nesting_and_garbage(province, city, district):
    assert not services.valid_path(province, city, district)


@pytest.mark.parametrize("code", ["", "xx", "00", "9999", "x" * 10_000, None, 11, ["11"],
                                  {"11": 1}, "11\x00", "１１"])
def test_unknown_codes_never_raise(code):
    assert services.name_of(code) is None
    assert services.cities(code) == []
    assert services.districts(code) == []
    assert services.full_name(code, code, code) == ""


def test_cities_and_districts_answer_only_their_level():
    assert services.cities("1101") == []        # a city code is not a province
    assert services.districts("11") == []       # a province code is not a city
    assert services.districts("110101") == []   # districts have no children here
    assert services.name_of("1101") == "市辖区"
