"""The pages around a live delivery: the buyer's map, the courier's phone page, the polling
endpoint, and the tile settings."""
import json
import os
import subprocess
import sys

import pytest

from tests.support.delivery import here
from tests.support.helpers import assert_page, url
from webapp import create_app
from webapp.config import ROOT, TestConfig
from webapp.extensions import db
from webapp.models import Status


def test_the_buyers_page_has_the_map_eta_and_fallback(app, world, advance, as_party):
    app.config.update(TILE_URL="https://webrd01.is.autonavi.com/{z}/{x}/{y}.png",
                      MAP_TILE_CRS="gcj02", POLL_SECONDS=7)
    order = advance(Status.DELIVERING)
    order.dest_lat, order.dest_lng = 39.9087, 116.4605
    db.session.commit()
    page = assert_page(as_party(world.buyer).get(url(app, "orders.detail", order_id=order.id)),
                       "track-map")
    assert 'data-tile-url="https://webrd01.is.autonavi.com/{z}/{x}/{y}.png"' in page
    assert 'data-crs="gcj02"' in page
    assert 'data-dest-lat="39.9087" data-dest-lng="116.4605"' in page
    assert 'id="track-eta"' in page and 'id="track-arriving"' in page
    assert f'data-live-url="{url(app, "orders.live", order_id=order.id)}"' in page
    assert 'data-poll-seconds="7"' in page and "js/live-fallback.js" in page
    assert f'id="order-{order.id}-steps"' in page


def test_without_a_pin_the_buyer_is_told_there_is_no_eta(app, world, advance, as_party):
    order = advance(Status.DELIVERING)
    page = as_party(world.buyer).get(url(app, "orders.detail", order_id=order.id)).text
    assert "收货地址未标记地图位置，无法估算到达时间" in page and "data-dest-lat" not in page


def test_the_couriers_page_shows_connection_gps_screen_and_the_failure_reasons(app, world,
                                                                             advance, as_party):
    order = advance(Status.DELIVERING)
    page = assert_page(as_party(world.courier).get(url(app, "delivery.detail",
                                                       order_id=order.id)))
    for element in ('id="conn-state"', 'id="gps-state"', 'id="wake-state"',
                    'href="tel:13912345678"', "139****5678", 'enctype="multipart/form-data"'):
        assert element in page, element
    for code, label in (("absent", "收件人不在"), ("wrong_address", "地址错误"),
                        ("refused", "买家拒收"), ("damaged", "货物损坏")):
        assert f'value="{code}"' in page and label in page


@pytest.mark.parametrize("who", ["buyer", "merchant", "courier"])
def test_the_polling_endpoint_gives_each_party_the_snapshot(app, world, advance, connect,
                                                            as_party, who):
    order = advance(Status.DELIVERING)
    connect(world.courier).emit("delivery:position", here(order), callback=True)
    response = as_party(getattr(world, who)).get(url(app, "orders.live", order_id=order.id))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    state = response.get_json()
    assert (state["status"], state["tracking"], state["position"]["lat"]) == (
        "delivering", True, 39.91)
    assert [p["lat"] for p in state["trail"]] == [39.91]


def test_after_signature_the_polling_endpoint_has_no_position(app, world, advance, connect,
                                                              as_party):
    order = advance(Status.DELIVERING)
    connect(world.courier).emit("delivery:position", here(order), callback=True)
    from tests.support.images import signature_data_url
    from webapp.delivery import actions as courier_actions
    from webapp.orders import signing as order_signing

    courier_actions.arrive(order.id, world.courier)
    order_signing.sign(order.id, world.buyer, "张三", signature_data_url())
    state = as_party(world.buyer).get(url(app, "orders.live", order_id=order.id)).get_json()
    assert (state["status"], state["position"], state["trail"]) == ("completed", None, [])


def _configs_in_a_fresh_process(*envs: dict) -> list:
    """The tile settings webapp.config reads from each environment in `envs`, in one process
    without the tests' settings: the module read afresh (importlib.reload) for each."""
    program = ("import importlib, json, os, sys; import webapp.config as config; seen = []\n"
               "for env in json.loads(sys.argv[1]):\n"
               "    for k in ('TILE_URL', 'MAP_TILE_URL', 'MAP_TILE_CRS'): os.environ.pop(k, None)\n"
               "    os.environ.update(env); C = importlib.reload(config).Config\n"
               "    seen.append([C.TILE_URL, C.MAP_TILE_URL, C.MAP_TILE_CRS])\n"
               "print(json.dumps(seen))")
    clean = {k: v for k, v in os.environ.items()
             if k not in ("TILE_URL", "MAP_TILE_URL", "MAP_TILE_CRS")}
    out = subprocess.run([sys.executable, "-c", program, json.dumps(envs)], cwd=ROOT, env=clean,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return json.loads(out)


def test_tile_url_is_the_setting_and_map_tile_url_still_works():
    osm = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert _configs_in_a_fresh_process(
        {},
        {"TILE_URL": "https://a.example/{z}/{x}/{y}.png",
         "MAP_TILE_URL": "https://old.example/{z}/{x}/{y}.png", "MAP_TILE_CRS": "GCJ02"},
        {"MAP_TILE_URL": "https://old.example/{z}/{x}/{y}.png"},
        {"TILE_URL": ""},  # no tiles: the map still draws
    ) == [[osm, osm, "wgs84"],
          ["https://a.example/{z}/{x}/{y}.png", "https://a.example/{z}/{x}/{y}.png", "gcj02"],
          ["https://old.example/{z}/{x}/{y}.png", "https://old.example/{z}/{x}/{y}.png", "wgs84"],
          ["", "", "wgs84"]]


def test_the_tile_host_is_allowed_by_the_csp():
    class Config(TestConfig):
        TILE_URL = "https://{s}.tiles.example.cn/{z}/{x}/{y}.png"

    app = create_app(Config)
    csp = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "https://*.tiles.example.cn" in csp
    # A dict config that names only the earlier setting still chooses the tiles.
    only_old = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()
                and k not in ("TILE_URL", "MAP_TILE_URL")}
    app = create_app({**only_old, "MAP_TILE_URL": "https://old.example/{z}.png"})
    assert app.config["TILE_URL"] == "https://old.example/{z}.png"


AMAP = ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}")


def test_amap_tiles_with_their_subdomains_reach_the_map_and_the_csp():
    class Config(TestConfig):
        TILE_URL = AMAP
        MAP_TILE_SUBDOMAINS = "1234"
        MAP_TILE_CRS = "gcj02"

    app = create_app(Config)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "https://*.is.autonavi.com" in csp  # webrd01 … webrd04


def test_the_map_is_told_the_tile_subdomains(app, world, advance, as_party):
    app.config.update(TILE_URL=AMAP, MAP_TILE_SUBDOMAINS="1234")
    page = as_party(world.buyer).get(url(app, "orders.detail",
                                         order_id=advance(Status.DELIVERING).id)).text
    assert 'data-subdomains="1234"' in page


def test_the_readme_recommends_chinese_tiles_for_mainland_china():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    configuration = readme[readme.index("## Configuration"):readme.index("## Scaling out")]
    for setting in (f"TILE_URL='{AMAP}'", "MAP_TILE_SUBDOMAINS=1234",
                    "MAP_TILE_CRS=gcj02", "MAP_TILE_ATTRIBUTION="):
        assert setting in configuration, setting
    assert "Tencent" in configuration and "mainland China" in configuration
