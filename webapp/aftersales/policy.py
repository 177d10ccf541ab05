"""What a buyer may ask for after signing, by the category of what they bought, and how long
each side has for its step: the one place these rules live.

Goods that may be returned without a reason have 7 days from the signature, for a refund only or
a return and refund; fresh food (and meals, flowers) has 48 hours, for a quality claim and a
refund only (nothing fresh is sent back). Categories are the catalog's (webapp/catalog/
categories.py); one not listed here has the 7-day policy.

`now()` is the clock every deadline here is read against; tests move it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from webapp.aftersales.state import Kind, Status
from webapp.database import utcnow
from webapp.i18n import N_


def now() -> datetime:
    """The after-sales clock (naive UTC)."""
    return utcnow()


# Reason codes -> the words the buyer picks from (msgids). "no_reason" is the 7-day return.
REASONS = {
    "quality": N_("质量问题"),
    "spoiled": N_("变质、不新鲜"),
    "damaged": N_("商品破损"),
    "wrong_item": N_("发错货或少件"),
    "not_as_described": N_("与描述不符"),
    "no_reason": N_("七天无理由退货"),
}
QUALITY = ("quality", "spoiled", "damaged", "wrong_item", "not_as_described")


@dataclass(frozen=True)
class Policy:
    name: str
    period: timedelta
    kinds: tuple[Kind, ...]
    reasons: tuple[str, ...]
    label: str  # msgid, shown beside the line


SEVEN_DAYS = Policy("seven_days", timedelta(days=7), (Kind.REFUND_ONLY, Kind.RETURN_REFUND),
                    (*QUALITY, "no_reason"), N_("签收后 7 天内可申请退款或退货退款"))
FRESH = Policy("fresh", timedelta(hours=48), (Kind.REFUND_ONLY,), QUALITY,
               N_("生鲜类商品签收后 48 小时内可因质量问题申请退款"))

# Category (webapp.catalog.categories key) -> its policy; any other category: SEVEN_DAYS.
CATEGORY_POLICIES = {"produce": FRESH, "meat": FRESH, "meals": FRESH, "flowers": FRESH}


def policy_for(category: str | None) -> Policy:
    return CATEGORY_POLICIES.get(category or "", SEVEN_DAYS)


# How long each side has for its step before TIMEOUT answers for it (state.TIMED).
STEP_TIME = {
    Status.REQUESTED: timedelta(hours=48),       # the shop answers; silence agrees
    Status.REFUSED: timedelta(days=7),           # the buyer may escalate; then closed
    Status.AWAITING_RETURN: timedelta(days=7),   # the buyer sends the goods back; then closed
    Status.RETURNING: timedelta(days=7),         # the shop confirms receipt; silence receives
}


def due_for(status: Status, at: datetime) -> datetime | None:
    """When a request entering `status` at `at` times out (None: no deadline there)."""
    step = STEP_TIME.get(Status(status))
    return at + step if step is not None else None


MAX_PHOTOS = 3
PHOTO_MAX_SIDE = 1600  # evidence, opened full screen (as a rejected line's photo)
MAX_NOTE = 500
