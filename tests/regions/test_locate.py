"""A map pin's province, city and district, found offline (webapp/regions/locate.py) and served
to the address form by /regions/locate."""
import gzip
import json
import time

import pytest

from tests.support.database import app_with_limits
from tests.support.helpers import url
from webapp.regions import locate, services

# (place, WGS-84 lat, lng) → (province, city, district, label)
POINTS = [
    ("天安门", 39.9087, 116.3975, ("11", "1101", "110101", "北京市 东城区")),
    ("人民大会堂", 39.9030, 116.3875, ("11", "1101", "110102", "北京市 西城区")),
    ("上海外滩", 31.2400, 121.4900, ("31", "3101", "310101", "上海市 黄浦区")),
    ("广州塔", 23.1064, 113.3245, ("44", "4401", "440105", "广东省 广州市 海珠区")),
    ("深圳湾公园", 22.5050, 113.9490, ("44", "4403", "440305", "广东省 深圳市 南山区")),
    ("仙桃市政府", 30.3627, 113.4540, ("42", "4290", "429004", "湖北省 仙桃市")),
    ("城口县城", 31.9477, 108.6643, ("50", "5002", "500229", "重庆市 城口县")),
    ("拉萨布达拉宫", 29.6578, 91.1172, ("54", "5401", "540102", "西藏自治区 拉萨市 城关区")),
]


@pytest.mark.parametrize(("place", "lat", "lng", "expected"), POINTS, ids=[p[0] for p in POINTS])
def test_a_pin_gives_its_province_city_and_district(app, client, place, lat, lng, expected):
    response = client.get(url(app, "regions.locate_point", lat=lat, lng=lng))
    assert response.status_code == 200 and response.mimetype == "application/json"
    found = response.get_json()
    assert (found["province"], found["city"], found["district"], found["label"]) == expected
    assert found["city"] in [code for code, _ in found["cities"]]
    assert found["district"] in [code for code, _ in found["districts"]]


@pytest.mark.parametrize(("lat", "lng"), [(30.0, 125.0), (20.0, 115.5), (51.5, 0.0), (-33.9, 151.2)],
                         ids=["east-china-sea", "south-china-sea", "london", "sydney"])
def test_a_pin_at_sea_or_abroad_is_no_match_with_a_message(app, client, lat, lng):
    response = client.get(url(app, "regions.locate_point", lat=lat, lng=lng))
    assert response.status_code == 404
    assert "请手动选择" in response.get_json()["message"]


@pytest.mark.parametrize("query", [{}, {"lat": "x", "lng": "116"}, {"lat": "nan", "lng": "116"},
                                   {"lat": "91", "lng": "116"}, {"lat": "39.9", "lng": "inf"},
                                   {"lat": "-inf", "lng": "116"}, {"lat": "39.9", "lng": "181"}])
def test_a_bad_point_is_refused(app, client, query):
    response = client.get(url(app, "regions.locate_point", **query))
    assert response.status_code == 400
    assert response.get_json()["message"]


def test_a_repeated_coordinate_takes_the_first(app, client):
    response = client.get(url(app, "regions.locate_point", lat=["39.9087", "40"], lng="116.3975"))
    assert response.get_json()["district"] == "110101"


def test_the_label_and_options_are_in_english_in_english(app, client):
    response = client.get(url(app, "regions.locate_point", lat=23.1064, lng=113.3245),
                          headers={"Accept-Language": "en"})
    found = response.get_json()
    assert found["label"] == "Haizhu District, Guangzhou, Guangdong"
    assert ["440105", "Haizhu District"] in found["districts"]


def test_the_outlines_cover_most_districts_and_carry_known_codes():
    rows = json.loads(gzip.decompress(locate.DATA.read_bytes()))
    codes = {row[0] for row in rows}
    assert len(codes) > 2700
    assert all(services.name_of(code) for code in codes)


# Inside China's rough box but outside every outline (Kazakhstan, Mongolia): the review measured
# 434 and 298 ms for these; they must answer no match quickly once the outlines are loaded.
@pytest.mark.parametrize(("lat", "lng"), [(49.04, 75.52), (48.6, 113.89)], ids=["kazakhstan", "mongolia"])
def test_a_pin_beside_china_is_no_match_and_quick(app, client, lat, lng):
    client.get(url(app, "regions.locate_point", lat=39.9, lng=116.4))  # the one lazy load
    started = time.perf_counter()
    for _ in range(20):
        response = client.get(url(app, "regions.locate_point", lat=lat, lng=lng))
        assert response.status_code == 404
    assert (time.perf_counter() - started) / 20 < 0.05


def test_the_outlines_load_once_lazily_and_are_indexed_by_box():
    index = locate._index()
    assert index is locate._index()
    # Each grid cell lists only rings whose box meets it: a point looks at a handful, not 4500.
    assert max(len(rings) for rings in index.cells.values()) < 200
    x, y = 116.3975 * locate.GRID, 39.9087 * locate.GRID
    assert all(r.box[0] - locate.NEAR * locate.GRID <= x <= r.box[2] + locate.NEAR * locate.GRID
               for r in index.around(x, y))


@pytest.fixture
def limited_app(tmp_path):
    yield from app_with_limits(tmp_path / "uploads", LOCATE_LIMIT="2 per minute")


def test_locating_is_rate_limited_per_address_with_a_message(limited_app):
    client = limited_app.test_client()
    path = url(limited_app, "regions.locate_point", lat=39.9087, lng=116.3975)
    assert [client.get(path).status_code for _ in range(2)] == [200, 200]
    refused = client.get(path, headers={"Accept-Language": "en"})
    assert refused.status_code == 429 and refused.mimetype == "application/json"
    assert refused.get_json()["message"] == "Too many attempts. Please try again later."
