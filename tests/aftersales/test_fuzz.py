"""Requests with any kinds, reasons, words and quantities (another order's lines, negative,
huge): a refusal with a message or a request within what is left, never anything else; and
the request form posted with hostile values never breaks the page."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.support.aftersales import signed_order
from tests.support.helpers import HX, url
from tests.support.security import HOSTILE_TEXT
from webapp.aftersales import opening
from webapp.aftersales.opening import Ask
from webapp.extensions import db
from webapp.models import AfterSaleLine
from webapp.web import ServiceError

pytestmark = [pytest.mark.fuzz, pytest.mark.db]

KINDS = st.one_of(st.sampled_from(["refund_only", "return_refund"]), HOSTILE_TEXT)
REASONS = st.one_of(st.sampled_from(["quality", "no_reason", "spoiled"]), HOSTILE_TEXT)
COUNTS = st.one_of(st.integers(-3, 5), st.sampled_from([2**31, -(2**63), 10**30]))


def test_any_request_is_refused_with_a_message_or_fits(app, world):
    order = signed_order(app, world, {world.goods: 4, world.fresh: 3})
    other = signed_order(app, world, {world.goods: 1})
    ids = [line.id for line in order.lines] + [other.lines[0].id, 0, -1, 2**40]

    @given(KINDS, REASONS, st.text(max_size=600), st.dictionaries(st.sampled_from(ids), COUNTS,
                                                                  max_size=3))
    def attempt(kind, reason, note, quantities):
        try:
            opening.open_request(order.id, world.buyer, Ask(kind, reason, note, quantities, (),
                                                            "f" * 32 + str(len(note))))
        except ServiceError as refused:
            assert 400 <= refused.status < 500 and refused.message
            db.session.rollback()
        for line in order.lines:
            asked = db.session.scalar(select(func.coalesce(func.sum(AfterSaleLine.quantity), 0))
                                      .where(AfterSaleLine.order_line_id == line.id))
            assert 0 <= asked <= line.quantity

    attempt()


def test_the_form_with_hostile_values(app, world, as_party):
    order = signed_order(app, world, {world.goods: 2})
    buyer = as_party(world.buyer)
    path = url(app, "aftersales.new", order_id=order.id)
    line = f"qty-{order.lines[0].id}"

    @given(st.dictionaries(st.sampled_from(["kind", "reason", "note", line, "idempotency_key"]),
                           HOSTILE_TEXT, max_size=4), st.booleans())
    def post(changes, htmx):
        data = {"kind": "refund_only", "reason": "quality", "note": "", line: "1",
                "idempotency_key": "b" * 32, **changes}
        response = buyer.post(path, data=data, headers=HX if htmx else {})
        assert response.status_code < 500, data

    post()
