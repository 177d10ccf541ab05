"""Demands and quotes: service inputs, the forms a browser posts, checkout windows."""
from __future__ import annotations

import secrets
from datetime import timedelta

from webapp.config import TestConfig
from webapp.demands import posting, quoting
from webapp.demands.forms import INPUT_FORMAT
from webapp.extensions import db
from webapp.models import utcnow

HERE = "110105"  # 北京市 朝阳区
ELSEWHERE = "110101"  # 北京市 东城区


def demand_input(**changes) -> posting.DemandInput:
    values = {"title": "20 斤妃子笑荔枝", "description": "要新鲜的，周末请客用", "category": "produce",
              "quantity": 2, "budget_fen": 15000, "district_code": HERE,
              "needed_by": utcnow() + timedelta(days=2), "idempotency_key": secrets.token_hex(16),
              "photo": None}
    values.update(changes)
    return posting.DemandInput(**values)


def quote_input(**changes) -> quoting.QuoteInput:
    values = {"product_id": None, "title": "妃子笑荔枝 一级果", "unit_price_fen": 6000,
              "quantity": 2, "delivery_fee_fen": 800,
              "earliest_delivery": utcnow() + timedelta(hours=3),
              "valid_until": utcnow() + timedelta(days=1), "note": "当天现摘"}
    values.update(changes)
    return quoting.QuoteInput(**values)


def checkout_window(app, quote) -> str:
    from webapp.demands.forms import quote_windows

    with app.test_request_context():
        return quote_windows(quote)[0].value


def backdate(obj, **columns) -> None:
    """Move timestamps into the past, as the clock would."""
    for name, value in columns.items():
        setattr(obj, name, value)
    db.session.commit()


def local(delta: timedelta) -> str:
    """Now + delta as a datetime-local input shows it (the app's time zone)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    moment = (utcnow() + delta).replace(tzinfo=UTC).astimezone(ZoneInfo(TestConfig.TIMEZONE))
    return moment.strftime(INPUT_FORMAT)


def quote_form(**changes) -> dict:
    data = {"product_id": "", "item_title": "妃子笑 一级果", "unit_price": "60.00",
            "quantity": "2", "delivery_fee": "8", "earliest_delivery": local(timedelta(hours=3)),
            "valid_until": local(timedelta(days=1)), "note": "当天现摘"}
    data.update(changes)
    return data
