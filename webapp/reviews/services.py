"""Writing reviews: the buyer's review of a signed order and its one follow-up, the shop's one
reply, anyone's report, and the admin's fold, unfold and dismissal (audited). Nothing here, or
anywhere, deletes a review."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from webapp import audit
from webapp.cas import compare_and_set
from webapp.extensions import db
from webapp.models import Order, Review, ReviewReport, Shop, Status, User, utcnow
from webapp.reviews import record
from webapp.reviews.state import ReviewAction, Visibility, move
from webapp.uploads import CleanImage, discard, fit_photo, store
from webapp.web import Conflict, ServiceError

# Signed for, with at least one line accepted: there is something to review. (An order refused
# whole at the door has its proof, but nothing was bought.)
REVIEWABLE = (Status.COMPLETED, Status.PARTIALLY_REFUSED)
PHOTO_MAX_SIDE = 1200
PHOTO_FOLDER = "reviews"
MAX_PHOTOS = 3


@dataclass(frozen=True)
class Scores:
    goods: int
    delivery: int
    service: int


def buyers_order(buyer: User, order_id: int) -> Order:
    """The buyer's own order (404 for anyone else's, as the order's own page answers)."""
    order = db.session.scalar(select(Order).where(Order.id == order_id,
                                                  Order.buyer_id == buyer.id))
    if order is None:
        abort(404)
    return order


def review_of_order(order_id: int) -> Review | None:
    return db.session.scalar(select(Review).where(Review.order_id == order_id))


def check_reviewable(order: Order) -> None:
    """Refuse a review of an order not signed for with a proof, or reviewed already."""
    if order.status not in REVIEWABLE or order.proof is None:
        raise ServiceError(_("签收后才能评价这个订单。"), 409)
    if review_of_order(order.id) is not None:
        raise Conflict(_("这个订单已经评价过了，每个订单只能评价一次；可以追评一次。"))


def post_review(buyer: User, order_id: int, scores: Scores, text: str,
                photos: Sequence[CleanImage] = ()) -> Review:
    """The buyer's one review of a signed order; a second (a double tap, another tab) is refused
    by the unique order id, whichever comes first."""
    order = buyers_order(buyer, order_id)
    check_reviewable(order)
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(_("最多上传 %(n)s 张照片。", n=MAX_PHOTOS), 422)
    names = [store(fit_photo(photo, PHOTO_MAX_SIDE), PHOTO_FOLDER) for photo in photos]
    review = Review(order_id=order.id, shop_id=order.shop_id, buyer_id=buyer.id,
                    goods_score=scores.goods, delivery_score=scores.delivery,
                    service_score=scores.service, text=text.strip(), photos=names)
    db.session.add(review)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        for name in names:
            discard(name)
        raise Conflict(_("这个订单已经评价过了，每个订单只能评价一次；可以追评一次。")) from None
    except BaseException:
        db.session.rollback()
        for name in names:
            discard(name)
        raise
    record.forget(order.shop_id)
    return review


def buyers_review(buyer: User, review_id: int) -> Review:
    review = db.session.scalar(select(Review).where(Review.id == review_id,
                                                    Review.buyer_id == buyer.id))
    if review is None:
        abort(404)
    return review


def follow_up(buyer: User, review_id: int, text: str) -> Review:
    """The buyer's one follow-up (追评), after the review."""
    review = buyers_review(buyer, review_id)
    compare_and_set(Review, Review.id == review.id, Review.followup_at.is_(None),
                    conflict=_("这条评价已经追评过了，每条评价只能追评一次。"),
                    followup_text=text.strip(), followup_at=utcnow())
    db.session.commit()
    db.session.refresh(review)
    return review


def shops_review(merchant: User, review_id: int) -> Review:
    """A review of the merchant's own shop (404 for another shop's, or without a shop)."""
    review = db.session.scalar(select(Review).join(Shop, Shop.id == Review.shop_id).where(
        Review.id == review_id, Shop.owner_id == merchant.id))
    if review is None:
        abort(404)
    return review


def reply(merchant: User, review_id: int, text: str) -> Review:
    """The shop's one public reply."""
    review = shops_review(merchant, review_id)
    compare_and_set(Review, Review.id == review.id, Review.reply_at.is_(None),
                    conflict=_("这条评价已经回复过了，每条评价只能回复一次。"),
                    reply_text=text.strip(), reply_at=utcnow())
    db.session.commit()
    db.session.refresh(review)
    return review


def any_review(review_id: int) -> Review:
    review = db.session.get(Review, review_id)
    if review is None:
        abort(404)
    return review


def report(user: User, review_id: int, reason: str, note: str) -> ReviewReport:
    """Someone signed in reports a review to the admins: once per person and review."""
    review = any_review(review_id)
    if review.folded:
        raise Conflict(_("这条评价已被折叠，无需再举报。"))
    entry = ReviewReport(review_id=review.id, reporter_id=user.id, reason=reason,
                         note=note.strip())
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("你已经举报过这条评价，管理员会尽快处理。")) from None
    db.session.execute(update(Review).where(Review.id == review.id).values(
        open_reports=Review.open_reports + 1,
        reported_at=func.coalesce(Review.reported_at, entry.created_at))
        .execution_options(synchronize_session=False))
    db.session.commit()
    return entry


def _resolve_reports(review: Review, outcome: str) -> int:
    """Close the review's open reports with `outcome`; how many there were."""
    return db.session.execute(update(ReviewReport).where(
        ReviewReport.review_id == review.id, ReviewReport.resolved_at.is_(None))
        .values(outcome=outcome, resolved_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount


def _moved(review: Review, action: ReviewAction) -> Visibility:
    target = move(review.visibility, action)
    if target is None:
        raise Conflict(_("这条评价已被折叠。") if action is ReviewAction.FOLD
                       else _("这条评价没有被折叠。"))
    return target


def fold(admin: User, review_id: int, reason: str) -> Review:
    """Fold a review behind `reason` (it stays readable, never deleted); its open reports close."""
    review = any_review(review_id)
    target = _moved(review, ReviewAction.FOLD)
    compare_and_set(Review, Review.id == review.id, Review.visibility == review.visibility,
                    conflict=_("这条评价刚刚被处理过，请刷新后再看。"), visibility=target,
                    fold_reason=reason, folded_at=utcnow(), open_reports=0, reported_at=None)
    closed = _resolve_reports(review, "folded")
    audit.record(admin, "review.folded", review, reason=reason, reports=closed)
    db.session.commit()
    db.session.refresh(review)
    record.forget(review.shop_id)
    return review


def unfold(admin: User, review_id: int) -> Review:
    """Show a folded review in full again."""
    review = any_review(review_id)
    target = _moved(review, ReviewAction.UNFOLD)
    audit.record(admin, "review.unfolded", review, reason=review.fold_reason)
    compare_and_set(Review, Review.id == review.id, Review.visibility == review.visibility,
                    conflict=_("这条评价刚刚被处理过，请刷新后再看。"), visibility=target,
                    fold_reason="", folded_at=None)
    db.session.commit()
    db.session.refresh(review)
    record.forget(review.shop_id)
    return review


def dismiss(admin: User, review_id: int) -> Review:
    """Close a review's open reports without folding it."""
    review = any_review(review_id)
    compare_and_set(Review, Review.id == review.id, Review.open_reports > 0,
                    conflict=_("这条评价的举报已经处理过了。"), open_reports=0, reported_at=None)
    closed = _resolve_reports(review, "dismissed")
    audit.record(admin, "review.reports_dismissed", review, reports=closed)
    db.session.commit()
    db.session.refresh(review)
    return review
