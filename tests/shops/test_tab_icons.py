"""The buyer's tab bar: an icon above each label, hidden from assistive technology (the label
is the name), drawn from the vendored lucide SVGs."""
import re
from pathlib import Path

import pytest

from tests.support.helpers import assert_page, url

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "static" / "vendor" / "lucide-static-1.87.0"
ICONS = ROOT / "templates" / "_macros" / "icons.html"


@pytest.mark.parametrize("endpoint", ["shops.index", "cart.index", "orders.index", "me.index"])
def test_every_tab_has_a_hidden_icon_and_its_label(app, client, login_as, world, endpoint):
    login_as(world.buyer)
    text = assert_page(client.get(url(app, endpoint)))
    tabs = re.search(r'<span class="tabs">(.*?)</span>\s*<form', text, re.S).group(1)
    links = re.findall(r"<a [^>]*>.*?</a>", tabs, re.S)
    assert len(links) == 5
    for link, label in zip(links, ("逛店铺", "我的需求", "购物车", "我的订单", "我的")):
        assert re.search(r'<svg class="tab-icon" aria-hidden="true"[^>]*>.+?</svg>', link), link
        name = re.sub(r"<svg.*?</svg>", "", link, flags=re.S)
        assert label in re.sub(r"<[^>]+>", "", name)
    assert sum('aria-current="page"' in link for link in links) == 1


def test_the_inline_icons_are_the_vendored_files():
    drawn = dict(re.findall(r'"([a-z-]+)": \'(.*?)\'', ICONS.read_text(encoding="utf-8")))
    assert drawn
    for name, inner in drawn.items():
        source = (VENDORED / f"{name}.svg").read_text(encoding="utf-8")
        assert "".join(re.findall(r"^  (<(?!/).*/>)$", source, re.M)) == inner, name
    assert (ROOT / "static" / "vendor" / "licenses" / "lucide-static-1.87.0.txt").exists()
