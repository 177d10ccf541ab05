"""China's provinces, cities and districts by code (GB/T 2260 levels), from the shipped JSON."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "pca-code-2.7.0.json"

# The data's city-level stand-ins for "the districts (or counties) directly under the province":
# kept in the selects (they hold the districts), never shown in an address.
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class _Index:
    names: dict[str, str]
    children: dict[str, tuple[tuple[str, str], ...]]
    provinces: tuple[tuple[str, str], ...]


@cache
def _index() -> _Index:
    """Read the data file once per process and index it by code."""
    tree = json.loads(DATA.read_text(encoding="utf-8"))
    names: dict[str, str] = {}
    children: dict[str, tuple[tuple[str, str], ...]] = {}

    def walk(nodes: list[dict]) -> tuple[tuple[str, str], ...]:
        pairs = []
        for node in nodes:
            names[node["code"]] = node["name"]
            if "children" in node:
                children[node["code"]] = walk(node["children"])
            pairs.append((node["code"], node["name"]))
        return tuple(pairs)

    return _Index(names=names, children=children, provinces=walk(tree))


def _children(code: object) -> list[tuple[str, str]]:
    # Codes come straight from query strings and form posts: anything that is not a known
    # code, whatever its type, simply has no children.
    if not isinstance(code, str):
        return []
    return list(_index().children.get(code, ()))


def provinces() -> list[tuple[str, str]]:
    """List every province as (code, name), in code order."""
    return list(_index().provinces)


def cities(province_code: object) -> list[tuple[str, str]]:
    """List a province's cities as (code, name); none for an unknown code."""
    if not isinstance(province_code, str) or len(province_code) != 2:
        return []
    return _children(province_code)


def districts(city_code: object) -> list[tuple[str, str]]:
    """List a city's districts as (code, name); none for an unknown code."""
    if not isinstance(city_code, str) or len(city_code) != 4:
        return []
    return _children(city_code)


def name_of(code: object) -> str | None:
    """Name a province, city or district by its code; None for an unknown code."""
    if not isinstance(code, str):
        return None
    return _index().names.get(code)


def full_name(province: object, city: object, district: object) -> str:
    """Join the names of the known codes with spaces, in Chinese, as stored in snapshots:
    "北京市 东城区" (the placeholder level 市辖区 left out). For display see names.label."""
    names = (name_of(code) for code in (province, city, district))
    return " ".join(name for name in names if name and name not in PLACEHOLDERS)


def valid_path(province: object, city: object, district: object) -> bool:
    """True if all three codes exist, the district in the city and the city in the province."""
    return (any(code == city for code, _ in cities(province))
            and any(code == district for code, _ in districts(city)))
