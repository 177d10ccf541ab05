"""Reviews' pages: the buyer's review form and follow-up, a shop's reviews (public, paged), the
shop's reply, anyone's report, a review's photos (public once posted). The admin's queue is in
admin_routes.py."""
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from webapp import paging
from webapp.i18n.marks import TranslatedLabels
from webapp.models import Review, Role
from webapp.reviews import bp, queries, services
from webapp.reviews.forms import FollowUpForm, ReplyForm, ReportForm, ReviewForm
from webapp.reviews.reasons import REASONS
from webapp.reviews.record import record_of
from webapp.shops.services import by_handle, own_shop_or_403
from webapp.upload_limits import limit_uploads
from webapp.uploads import CleanImage, UploadRejected, clean_image, send_private
from webapp.web import redirect_to, render, role_required, wants_fragment

SIGNED_IN = (Role.BUYER, Role.MERCHANT, Role.COURIER, Role.ADMIN)


def _photos(form: ReviewForm) -> list[CleanImage]:
    """The chosen photos, checked and re-encoded; a refusal goes on the field's errors."""
    chosen = [f for f in request.files.getlist(form.photos.name)
              if isinstance(f, FileStorage) and f.filename]
    if len(chosen) > services.MAX_PHOTOS:
        form.photos.errors = [_("最多上传 %(n)s 张照片。", n=services.MAX_PHOTOS)]
        return []
    photos = []
    for upload in chosen:
        try:
            photos.append(clean_image(upload, max_side=services.PHOTO_MAX_SIDE))
        except UploadRejected as rejected:
            form.photos.errors = [*form.photos.errors, rejected.message]
    return photos


@bp.route("/orders/<int:order_id>/new", methods=["GET", "POST"])
@role_required(Role.BUYER)
@limit_uploads
def new(order_id: int):
    """Review a signed order: three scores, words and up to three photos, once."""
    order = services.buyers_order(current_user, order_id)
    services.check_reviewable(order)
    form = ReviewForm()
    if request.method == "POST":
        photos = _photos(form) if form.validate_on_submit() else []
        if not form.errors:
            services.post_review(current_user, order.id, services.Scores(*form.scores()),
                                 form.text.data or "", photos)
            flash(_("评价已发布，谢谢！"), "success")
            return redirect_to(url_for("orders.detail", order_id=order.id))
    return render("reviews/new.html", "reviews/_form.html", form=form, order=order,
                  status=422 if form.errors else 200)


def _card(shown, mode: str, message: str | None = None, form=None, status: int = 200):
    return render("reviews/card.html", "reviews/_review.html", shown=shown, mode=mode,
                  message=message, form=form, status=status)


@bp.post("/<int:review_id>/followup")
@role_required(Role.BUYER)
def followup(review_id: int):
    """Add the buyer's one follow-up (追评) to their review."""
    review = services.buyers_review(current_user, review_id)
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _card(queries.one(review), "buyer", form=form, status=422)
    review = services.follow_up(current_user, review.id, form.text.data)
    if not wants_fragment():
        flash(_("追评已发布。"), "success")
        return redirect_to(url_for("orders.detail", order_id=review.order_id))
    return _card(queries.one(review), "buyer", _("追评已发布。"))


@bp.post("/<int:review_id>/reply")
@role_required(Role.MERCHANT)
def reply(review_id: int):
    """Answer a review of the merchant's shop, publicly and once."""
    review = services.shops_review(current_user, review_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _card(queries.one(review), "merchant", form=form, status=422)
    review = services.reply(current_user, review.id, form.text.data)
    if not wants_fragment():
        flash(_("回复已发布。"), "success")
        return redirect_to(url_for("reviews.mine"))
    return _card(queries.one(review), "merchant", _("回复已发布。"))


@bp.get("/mine")
@role_required(Role.MERCHANT)
def mine():
    """The merchant's reviews, newest first, a page at a time, with a reply form on each one
    not yet answered."""
    shop = own_shop_or_403(current_user)
    after = paging.cursor_of(queries.NEWEST)
    reviews, more = queries.shop_page(shop.id, after)
    ctx = {"reviews": reviews, "more": more, "mode": "merchant", "shop": shop,
           "more_url": "reviews.mine", "more_args": {}}
    if after is not None and wants_fragment():
        return render("reviews/mine.html", "reviews/_rows.html", **ctx)
    return render("reviews/mine.html", record=record_of(shop.id), **ctx)


@bp.get("/shops/<handle>")
def shop(handle: str):
    """A shop's reviews, newest first, a page at a time, with its record and scores."""
    found = by_handle(handle)
    after = paging.cursor_of(queries.NEWEST)
    reviews, more = queries.shop_page(found.id, after)
    ctx = {"reviews": reviews, "more": more, "mode": "public", "shop": found,
           "more_url": "reviews.shop", "more_args": {"handle": found.handle}}
    if after is not None and wants_fragment():
        return render("reviews/shop.html", "reviews/_rows.html", **ctx)
    return render("reviews/shop.html", record=record_of(found.id), **ctx)


@bp.route("/<int:review_id>/report", methods=["GET", "POST"])
@role_required(*SIGNED_IN)
def report(review_id: int):
    """Report a review to the admins, with a reason (anyone signed in, once)."""
    review = services.any_review(review_id)
    form = ReportForm()
    if form.validate_on_submit():
        services.report(current_user, review.id, form.reason.data, form.note.data or "")
        flash(_("已举报，管理员会尽快处理。评价不会被删除，违规的会被折叠并注明原因。"), "success")
        return redirect_to(url_for("reviews.shop", handle=review.shop.handle))
    status = 422 if request.method == "POST" else 200
    return render("reviews/report.html", shown=queries.one(review), form=form, status=status)


@bp.get("/<int:review_id>/photos/<int:index>")
def photo(review_id: int, index: int):
    """One of a review's photos: public once posted, like the review."""
    review = services.any_review(review_id)
    if index >= len(review.photos or []):
        abort(404)
    response = send_private(review.photos[index])
    # A review's photos never change: the URL names one file for good.
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def review_for(order) -> Review | None:
    """The order's review, for the order page (a template global)."""
    return services.review_of_order(order.id)


bp.add_app_template_global(review_for, "order_review")
bp.add_app_template_global(queries.one, "shown_review")
bp.add_app_template_global(TranslatedLabels(REASONS), "REVIEW_REASONS")
