"""The courier's lists: open deliveries and finished ones, each a page at a time
(webapp/paging.py), so neither reads more than a page of orders however many the courier has.

Open deliveries come under way first, then by delivery window, then by id; the page's cursor
(`?open_after=`) holds those three values of the last card shown. The list is cut into groups
(under way / today, overdue included / later) that follow that order, so a group is one run of
cards, and the group of the cursor's card says whether the next page's first run continues a
group already headed on the page above (no heading again) or starts one."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, load_only

from webapp import paging
from webapp.extensions import db
from webapp.models import Delivery, Order, Shop, Status, User
from webapp.orders.state import FINAL, TRACKING
from webapp.paging import Key, Page

# Page sizes. Open deliveries: ten cards are about two phone screens (a card is ~150 px at
# 390x844: four fit on the first screen under the heading) and hold a morning's round; the next
# ten load as the "more" row comes into view. Finished ones: a page of one-line rows.
OPEN_PAGE = 10
HISTORY_PAGE = 10
OPEN = tuple(sorted(set(Status) - FINAL))
CURSOR = (Key(Delivery.order_id),)  # what ?after= holds: the last finished order's id
UNDER_WAY_FIRST = case((Order.status.in_(TRACKING), 0), else_=1)
# What ?open_after= holds: the last open card's (rank, window, id).
OPEN_CURSOR = (Key(UNDER_WAY_FIRST, value=lambda order: 0 if order.status in TRACKING else 1),
               Key(Order.window_start), Key(Order.id))
UNDER_WAY, TODAY, LATER = "under_way", "today", "later"
# What an open card shows (webapp/templates/delivery/_card.html): no lines, payment or proof.
CARD = (load_only(Order.status, Order.recipient_name, Order.recipient_mobile, Order.address,
                  Order.district_code, Order.window_start, Order.window_end),
        joinedload(Order.shop).load_only(Shop.name, Shop.address, Shop.district_code))
DONE_ROW = (load_only(Order.status, Order.recipient_name, Order.recipient_mobile),)


@dataclass
class Run:
    group: str
    continued: bool  # the first run of a next page, in the group the page above ended with
    orders: list[Order] = field(default_factory=list)


@dataclass
class OpenPage:
    runs: list[Run]
    next: str | None


def _open(courier: User):
    return (select(Order).join(Delivery, Delivery.order_id == Order.id)
            .where(Delivery.courier_id == courier.id, Order.status.in_(OPEN)))


def open_count(courier: User) -> int:
    """How many deliveries the courier has open: one COUNT over the courier's deliveries
    (ix_delivery_courier_page) joined to their orders' status."""
    return db.session.scalar(select(func.count()).select_from(_open(courier).subquery()))


def group_of(rank: int, window_start: datetime, today: date, zone) -> str:
    """Under way (rank 0), else today's (or overdue) or later, by the window's day in `zone`."""
    if rank == 0:
        return UNDER_WAY
    day = window_start.replace(tzinfo=timezone.utc).astimezone(zone).date()
    return TODAY if day <= today else LATER


def open_deliveries(courier: User, after: tuple | None, today: date, zone,
                    appended: bool = False) -> OpenPage:
    """A page of the courier's open deliveries after the cursor, in runs by group; `appended`:
    the page goes below the one before (htmx), so a group that goes on is not headed again.
    A first page with nothing under way or for today has an empty today's run, which says so."""
    page: Page = paging.keyset(_open(courier).options(*CARD), OPEN_CURSOR, after, OPEN_PAGE)
    previous = group_of(after[0], after[1], today, zone) if appended and after else None
    runs: list[Run] = []
    for order in page.items:
        group = group_of(0 if order.status in TRACKING else 1, order.window_start, today, zone)
        if not runs or runs[-1].group != group:
            runs.append(Run(group, not runs and group == previous))
        runs[-1].orders.append(order)
    if after is None and not any(run.group in (UNDER_WAY, TODAY) for run in runs):
        runs.insert(0, Run(TODAY, False))
    return OpenPage(runs, page.next)


def finished_deliveries(courier: User, after: tuple | None = None) -> Page:
    """A page of the courier's finished deliveries, the newest order first, after the cursor's:
    read along the courier's deliveries by order id (ix_delivery_courier_page)."""
    query = select(Order).options(*DONE_ROW).join(Delivery, Delivery.order_id == Order.id).where(
        Delivery.courier_id == courier.id, Order.status.in_(FINAL))
    return paging.keyset(query, (Key(Delivery.order_id, True, lambda order: order.id),), after,
                         HISTORY_PAGE)
