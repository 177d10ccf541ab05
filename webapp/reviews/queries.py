"""Reading reviews: a shop's, newest first, a page at a time (public, folded ones included behind
their reason), the admin's queue of reported and of folded reviews, and the 验货签收 badge: a
review whose order's proof still hashes to its digest (webapp/orders/proof.py)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp import paging
from webapp.models import Order, Review
from webapp.orders.proof import proof_intact
from webapp.paging import Key

SHOP_PAGE = 10
QUEUE_PAGE = 12
NEWEST = (Key(Review.id, descending=True),)
REPORTED = (Key(Review.reported_at), Key(Review.id))
FOLDED = (Key(Review.folded_at, descending=True), Key(Review.id, descending=True))


@dataclass
class Shown:
    """A review as a page shows it: with its badge."""

    review: Review
    verified: bool


def _with_proofs(query):
    return query.options(selectinload(Review.order).selectinload(Order.proof),
                         selectinload(Review.order).selectinload(Order.lines),
                         selectinload(Review.buyer))


def badged(reviews: list[Review]) -> list[Shown]:
    return [Shown(r, proof_intact(r.order)) for r in reviews]


def shop_page(shop_id: int, after: tuple | None = None) -> tuple[list[Shown], str | None]:
    """A page of the shop's reviews, newest first, each with its badge."""
    page = paging.keyset(_with_proofs(select(Review).where(Review.shop_id == shop_id)), NEWEST,
                         after, SHOP_PAGE)
    return badged(page.items), page.next


def one(review: Review) -> Shown:
    return Shown(review, proof_intact(review.order))


def queue(view: str, after: tuple | None = None) -> tuple[list[Shown], str | None]:
    """The admin's queue: reviews with open reports, oldest report first; or the folded ones,
    last folded first."""
    if view == "folded":
        query, keys = select(Review).where(Review.folded_at.is_not(None)), FOLDED
    else:
        query, keys = select(Review).where(Review.reported_at.is_not(None)), REPORTED
    page = paging.keyset(_with_proofs(query.options(selectinload(Review.shop))), keys, after,
                         QUEUE_PAGE)
    return badged(page.items), page.next


def queue_keys(view: str):
    return FOLDED if view == "folded" else REPORTED
