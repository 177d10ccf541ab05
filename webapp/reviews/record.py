"""A shop's record, from its proofs of delivery: orders completed (signed for at the door, a
proof recorded), signed on time (at or before the end of the promised window), signed with
nothing refused, after-sales requests, and review scores, each with its count.

One statement for any number of shops (the shop page asks for one, a demand's comparison for
all its quoting shops at once), kept per process for RECORD_SECONDS: a shop's record moves
slowly, and over a busy shop's orders the statement reads every proof (webapp/templates words
the figures; small numbers are given as counts, not shares, see `ShopRecord.small`).

After-sales: the orders with an after-sales request the buyer did not withdraw (webapp/aftersales),
among the completed ones.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import case, distinct, func, select

from webapp.aftersales.state import Status as AfterSaleStatus
from webapp.extensions import db
from webapp.models import AfterSale, Order, ProofOfDelivery, Review, Shop

RECORD_SECONDS = 60
SMALL = 10  # under this many completed orders a shop is new: counts, never shares


@dataclass(frozen=True)
class ShopRecord:
    completed: int = 0  # orders with a proof of delivery
    on_time: int = 0  # of those, signed at or before the end of the promised window
    clean: int = 0  # of those, signed with no line refused
    after_sales: int = 0  # of those, orders with an after-sales request (not withdrawn)
    reviews: int = 0
    goods: float | None = None  # average scores, 1-5
    delivery: float | None = None
    service: float | None = None

    @property
    def small(self) -> bool:
        """Too few orders for a share to mean anything: the page gives counts."""
        return self.completed < SMALL

    def share(self, part: int) -> int:
        return round(100 * part / self.completed) if self.completed else 0

    @property
    def score(self) -> float | None:
        """The three scores' mean, for the summary line."""
        if not self.reviews:
            return None
        return round((self.goods + self.delivery + self.service) / 3, 1)


def _statement(ids: list[int]):
    signed = (select(Order.shop_id.label("shop_id"),
                     func.count(ProofOfDelivery.id).label("completed"),
                     func.sum(case((ProofOfDelivery.signed_at <= Order.window_end, 1),
                                   else_=0)).label("on_time"),
                     func.sum(case((ProofOfDelivery.refund_fen == 0, 1), else_=0)).label("clean"))
              .join(ProofOfDelivery, ProofOfDelivery.order_id == Order.id)
              .where(Order.shop_id.in_(ids)).group_by(Order.shop_id).subquery())
    scores = (select(Review.shop_id.label("shop_id"), func.count(Review.id).label("reviews"),
                     func.avg(Review.goods_score).label("goods"),
                     func.avg(Review.delivery_score).label("delivery"),
                     func.avg(Review.service_score).label("service"))
              .where(Review.shop_id.in_(ids)).group_by(Review.shop_id).subquery())
    after = (select(AfterSale.shop_id.label("shop_id"),
                    func.count(distinct(AfterSale.order_id)).label("orders"))
             .where(AfterSale.shop_id.in_(ids), AfterSale.status != AfterSaleStatus.WITHDRAWN)
             .group_by(AfterSale.shop_id).subquery())
    columns = [Shop.id, signed.c.completed, signed.c.on_time, signed.c.clean, after.c.orders,
               scores.c.reviews, scores.c.goods, scores.c.delivery, scores.c.service]
    return (select(*columns).outerjoin(signed, signed.c.shop_id == Shop.id)
            .outerjoin(after, after.c.shop_id == Shop.id)
            .outerjoin(scores, scores.c.shop_id == Shop.id).where(Shop.id.in_(ids)))


def _mean(value) -> float | None:
    return None if value is None else round(float(value), 1)


def compute(shop_ids: Iterable[int]) -> dict[int, ShopRecord]:
    """Each shop's record, read now in one statement."""
    ids = sorted(set(shop_ids))
    if not ids:
        return {}
    records = {i: ShopRecord() for i in ids}
    for row in db.session.execute(_statement(ids)):
        records[row[0]] = ShopRecord(
            completed=row.completed or 0, on_time=int(row.on_time or 0),
            clean=int(row.clean or 0),
            after_sales=int(row.orders or 0),
            reviews=row.reviews or 0, goods=_mean(row.goods), delivery=_mean(row.delivery),
            service=_mean(row.service))
    return records


def _kept() -> dict:
    return current_app.extensions.setdefault("shop_records", {})


def records_for(shop_ids: Iterable[int]) -> dict[int, ShopRecord]:
    """Each shop's record, from this process's copy where it is fresh, the others read at once
    in one statement (none when every one is fresh)."""
    ids = set(shop_ids)
    kept, now = _kept(), time.monotonic()
    seconds = current_app.config.get("SHOP_RECORD_SECONDS", RECORD_SECONDS)
    found = {i: kept[i][1] for i in ids if i in kept and kept[i][0] > now}
    missing = ids - set(found)
    if missing:
        fresh = compute(missing)
        if seconds > 0:
            kept.update({i: (now + seconds, r) for i, r in fresh.items()})
        found.update(fresh)
    return found


def record_of(shop_id: int) -> ShopRecord:
    return records_for([shop_id])[shop_id]


def forget(shop_id: int) -> None:
    """Drop this process's copy of a shop's record (a review was written)."""
    _kept().pop(shop_id, None)
