"""Words on the order panel: a line's badge says what became of it (a state, not a verb)."""
from __future__ import annotations

import re

import pytest

from tests.support.helpers import HX, url
from tests.support.orders import two_line_order
from webapp.models import Status

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

BADGES = {"zh_CN": ["已验收", "已拒收"], "en": ["Accepted", "Refused"]}


@pytest.mark.parametrize("lang", BADGES)
def test_a_lines_badge_is_its_state(app, client, login_as, world, make_product, lang):
    order = two_line_order(app, world, make_product, Status.PARTIALLY_REFUSED)
    client.set_cookie("lang", lang)
    for who in (world.buyer, world.merchant, world.courier):
        login_as(who)
        page = client.get(url(app, "orders.detail", order_id=order.id), headers=HX).text
        lines = re.search(r'<ul class="lines">(.*?)</ul>', page, re.S).group(1)
        assert re.findall(r'<span class="pill[^"]*">([^<]*)</span>', lines) == BADGES[lang]
