"""Links that open a delivery's destination in the courier's navigation app.

The address pin is stored in WGS-84 (as GPS gives it). AMap reads GCJ-02, so its link gets the
pin shifted; Baidu is told the pin is WGS-84 (coord_type) and shifts it itself; Apple Maps and
Android's geo: take WGS-84. Without a pin each app searches the address text.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

from webapp.delivery.geo import wgs84_to_gcj02

# AMap's and Baidu's URI APIs ask the caller to name itself.
SOURCE = "xinji.delivery"
KINDS = ("amap", "baidu", "apple", "geo")


def links(lat: float | None, lng: float | None, address: str) -> dict[str, str]:
    """{kind: URL} for each of KINDS, from the pin when there is one, else the address."""
    if lat is None or lng is None:
        return _by_address(address)
    label = address.replace(",", " ").replace("(", " ").replace(")", " ")[:80]
    glat, glng = wgs84_to_gcj02(lat, lng)
    here = f"{lat:.6f},{lng:.6f}"
    return {
        "amap": "https://uri.amap.com/navigation?" + urlencode({
            "to": f"{glng:.6f},{glat:.6f},{label}", "mode": "ride", "coordinate": "gaode",
            "callnative": "1", "src": SOURCE}),
        "baidu": "https://api.map.baidu.com/marker?" + urlencode({
            "location": here, "title": label, "content": label, "coord_type": "wgs84",
            "output": "html", "src": SOURCE}),
        "apple": f"https://maps.apple.com/?daddr={here}",
        "geo": f"geo:{here}?q={here}({quote(label, safe='')})",
    }


def _by_address(address: str) -> dict[str, str]:
    text = quote(address, safe="")
    return {
        "amap": "https://uri.amap.com/search?" + urlencode({
            "keyword": address, "callnative": "1", "src": SOURCE}),
        "baidu": "https://api.map.baidu.com/geocoder?" + urlencode({
            "address": address, "output": "html", "src": SOURCE}),
        "apple": f"https://maps.apple.com/?daddr={text}",
        "geo": f"geo:0,0?q={text}",
    }
