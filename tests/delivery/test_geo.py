"""The WGS-84 -> GCJ-02 shift and distances, against published reference values."""
import math

import pytest

from webapp.delivery.geo import distance_m, out_of_china, wgs84_to_gcj02

# (WGS-84 lat, lng) -> (GCJ-02 lat, lng), as published by two independent implementations:
# wandergis/coordtransform (test/app.js, Beijing) and googollee/eviltransform (its test table;
# it uses a slightly different earth radius, hence the looser tolerance: ~1 cm on the ground).
REFERENCE = [
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938), 1e-12),
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215), 1e-6),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363), 1e-6),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657), 1e-6),
]


@pytest.mark.parametrize(("wgs", "gcj", "tolerance"), REFERENCE)
def test_wgs84_to_gcj02_matches_reference_values(wgs, gcj, tolerance):
    lat, lng = wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=tolerance)
    assert lng == pytest.approx(gcj[1], abs=tolerance)
    # The shift in China is some hundreds of metres: the map would be off by a street.
    assert 100 < distance_m(*wgs, lat, lng) < 1000


@pytest.mark.parametrize("point", [(51.5007, -0.1246), (40.6892, -74.0445), (0.0, 0.0),
                                   (-33.8568, 151.2153), (55.0, 116.4)])
def test_outside_china_nothing_moves(point):
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point


def test_distance_of_one_degree_of_latitude():
    assert distance_m(39.0, 116.0, 40.0, 116.0) == pytest.approx(111_195, rel=1e-3)
    assert distance_m(39.9, 116.4, 39.9, 116.4) == 0
    # A kilometre east in Beijing is 1 / (111.2 km x cos 39.9°) degrees of longitude.
    step = 1000 / (111_195 * math.cos(math.radians(39.9)))
    assert distance_m(39.9, 116.4, 39.9, 116.4 + step) == pytest.approx(1000, rel=1e-3)


def test_the_maps_javascript_shift_is_the_same_as_this_one():
    """static/js/gcj02.js (the maps' copy of the transform) gives the same numbers, and its
    inverse brings a shifted point back to where it started."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the browser test checks the map in Chromium)")
    script = Path(__file__).resolve().parents[2] / "static" / "js" / "gcj02.js"
    points = [wgs for wgs, _, _ in REFERENCE] + [(51.5007, -0.1246)]
    program = (
        "global.window = {}; global.document = {getElementById: () => null};"
        f"require({json.dumps(str(script))});"
        f"const ps = {json.dumps(points)};"
        "console.log(JSON.stringify(ps.map(p => [window.Gcj02.toGcj02(p[0], p[1]),"
        " window.Gcj02.toWgs84(...window.Gcj02.toGcj02(p[0], p[1]))])));")
    out = subprocess.run([node, "-e", program], capture_output=True, text=True, timeout=30,
                         check=True).stdout
    for (lat, lng), (shifted, back) in zip(points, json.loads(out)):
        assert tuple(shifted) == pytest.approx(wgs84_to_gcj02(lat, lng), abs=1e-12)
        assert tuple(back) == pytest.approx((lat, lng), abs=1e-8)  # about 1 mm
