"""What a row of the merchant's feed and of the shop's quotes says, in both languages: the rows
translate what they say alike once per page and fill each row in (templates/demands/
_feed_rows.html), so a placeholder left unfilled, a value not escaped or a row in the wrong
language would show here."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.support.helpers import url
from webapp.extensions import db
from webapp.models import Demand, DemandStatus, Quote, QuoteStatus, utcnow

pytestmark = pytest.mark.db

SAYS = {  # language: (quoted row, unquoted row, the shop's quote row)
    "zh": (("生鲜果蔬 · 数量 3 · 预算 ¥120.00", "前需要 · 刚刚发布", "已报价 ¥36.00"),
           ("数量 1 · 预算不限", "前需要 · 1 小时 5 分前发布", "去报价"),
           ("等待买家选择", "¥36.00")),
    "en": (("Fresh produce · Qty 3 · Budget ¥120.00", "needed by ", "posted just now", "Quoted ¥36.00"),
           ("Qty 1 · No budget limit", "posted 1 h 5 min ago", "Quote"),
           ("Waiting for the buyer", "¥36.00")),
}


def row(text: str, pattern: str) -> str:
    found = re.search(pattern + r".*?</li>", text, re.S)
    assert found, pattern
    return found.group(0)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_feed_row_says_what_the_demand_asks_and_whether_the_shop_quoted(
        app, client, login_as, market, lang):
    now = utcnow()
    quoted, plain = (Demand(buyer_id=market.buyer.id, title=title, category="produce", quantity=n,
                            budget_fen=budget, district_code=market.shop_a.district_code,
                            needed_by=now + timedelta(days=2), status=DemandStatus.OPEN,
                            idempotency_key=title, created_at=created)
                     for title, n, budget, created in (("<b>荔枝</b> & 龙眼", 3, 12000, now),
                                                       ("芒果", 1, None, now - timedelta(minutes=65))))
    db.session.add_all([quoted, plain])
    db.session.flush()
    quote = Quote(demand_id=quoted.id, shop_id=market.shop_a.id, title="荔枝 5 斤",
                  unit_price_fen=1200, quantity=3, earliest_delivery=now + timedelta(hours=3),
                  valid_until=now + timedelta(days=1), status=QuoteStatus.LIVE)
    db.session.add(quote)
    db.session.commit()
    login_as(market.merchant_a)
    client.set_cookie("lang", lang)
    text = client.get(url(app, "demands.feed")).text
    says_quoted, says_plain, says_quote = SAYS[lang]
    first = row(text, f'<li class="card feed-row quoted" id="feed-demand-{quoted.id}">')
    assert "<strong>&lt;b&gt;荔枝&lt;/b&gt; &amp; 龙眼</strong>" in first
    second = row(text, f'<li class="card feed-row" id="feed-demand-{plain.id}">')
    mine = row(text, f'<li id="my-quote-{quote.id}">')
    for shown, says in ((first, says_quoted), (second, says_plain), (mine, says_quote)):
        assert all(part in shown for part in says), (says, shown)
        assert "%(" not in shown and "%)" not in shown
    assert f'href="{url(app, "demands.detail", demand_id=plain.id)}"' in second
