"""Demands and quotes: the buyer posts and compares, approved merchants watch a live feed and
quote. Views parse forms; the rules live in the services beside them (posting, access,
comparison, decisions, quoting, expiry)."""
import secrets

import click
from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import paging
from webapp.addresses import services as address_services
from webapp.catalog.categories import CATEGORIES
from webapp.demands import access, bp, comparison, decisions, expiry, posting, quoting
from webapp.demands.forms import PostDemandForm, QuoteCheckoutForm, QuoteForm, to_utc
from webapp.errors import error_response
from webapp.extensions import limiter
from webapp.i18n import N_
from webapp.models import QuoteStatus, Role
from webapp.orders.checkout_page import checkout_page
from webapp.orders.shown import of_quote, quote_change
from webapp.regions.names import of_district
from webapp.upload_limits import limit_uploads
from webapp.uploads import posted_image, send_private
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment

# ---- rate limits: per signed-in user, counted only when a post went through --------------------

def _per_user() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else \
        (request.remote_addr or "anonymous")


def _went_through(response) -> bool:
    return response.status_code < 400


DEMAND_LIMIT_MESSAGE = N_("发布需求太频繁了，请稍后再发。")
QUOTE_LIMIT_MESSAGE = N_("报价提交太频繁了，请稍后再试。")


@bp.errorhandler(429)
def too_many(error):
    """Say which limit was hit, on the form's flash area for htmx."""
    if error.response is not None:  # the upload limit's own answer (webapp/upload_limits.py)
        return error.response
    message = _(error.description) if error.description in (
        DEMAND_LIMIT_MESSAGE, QUOTE_LIMIT_MESSAGE) else _("操作太频繁，请稍后再试。")
    return error_response(message, 429)


def demand_limit() -> str:
    return current_app.config["DEMAND_POST_LIMIT"]


def quote_limit() -> str:
    return current_app.config["QUOTE_LIMIT"]


def _on_form(form, error: ServiceError) -> int:
    """Show a refusal from the rules on the form (beside its field when it names one)."""
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = [*form[field].errors, error.message]
    else:
        form.form_errors.append(error.message)
    return error.status


# ---- the buyer ---------------------------------------------------------------------------------

@bp.get("/")
@role_required(Role.BUYER)
def index():
    """The buyer's demands with their number of live quotes, a page at a time (`?after=`).

    A quote event re-fetches the first page (the region's hx-get has no cursor); a "more" row
    fetches the next page's rows only.
    """
    after = paging.cursor_of(posting.KEY)
    page, counts = posting.demands_of(current_user, after)
    fragment = "demands/_my_demand_rows.html" if after is not None else "demands/_my_demands.html"
    return render("demands/index.html", fragment, demands=page, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.BUYER)
@limit_uploads
@limiter.limit(demand_limit, methods=["POST"], key_func=_per_user, deduct_when=_went_through,
               error_message=DEMAND_LIMIT_MESSAGE)
def new():
    """Post a demand: what, how many, budget, district and when it is needed by."""
    form = PostDemandForm()
    status = 200
    if request.method == "GET":
        form.idempotency_key.data = secrets.token_hex(16)
        form.fill_defaults(address_services.default_of(current_user),
                           title=request.args.get("title", ""))
    refreshing = "region_refresh" in request.form
    if not refreshing and request.method == "POST":
        # The rest of the form first: a form refused for its budget costs no decoding.
        valid = form.validate_on_submit()
        photo = posted_image(form.photo, posting.PHOTO_MAX_SIDE) if valid else None
        if valid and not form.photo.errors:
            try:
                demand = posting.post_demand(current_user, posting.DemandInput(
                    title=form.title.data, description=form.description.data or "",
                    category=form.category.data, quantity=form.quantity.data,
                    budget_fen=form.budget_fen, district_code=form.district.data,
                    needed_by=to_utc(form.needed_by.data), photo=photo,
                    idempotency_key=form.idempotency_key.data))
            except ServiceError as error:
                if error.status in (403, 404):
                    raise
                status = _on_form(form, error)
            else:
                flash(_("需求已发布，附近的认证商家正在查看。"), "success")
                return redirect_to(url_for("demands.detail", demand_id=demand.id))
        else:
            status = 422
    return render("demands/new.html", "demands/_demand_form.html", status=status, form=form)


def _buyer_detail(demand, status: int = 200):
    offers, others = comparison.compare(demand)
    return render("demands/detail.html", "demands/_quotes.html", status=status, demand=demand,
                  offers=offers, others=others, order=comparison.order_of(demand))


def _merchant_detail(demand, shop, form=None, status: int = 200, editing=False):
    quote = quoting.latest_quote(shop, demand)
    if form is None:
        form = QuoteForm(formdata=None, products=quoting.products_for_quote(shop))
        if quote is not None and quote.status is QuoteStatus.LIVE and editing:
            form.fill_from(quote)
        else:
            form.fill_defaults(shop, demand)
    return render("demands/quote.html", "demands/_my_quote.html", status=status, demand=demand,
                  shop=shop, quote=quote, form=form, editing=editing)


@bp.get("/<int:demand_id>")
@role_required(Role.BUYER, Role.MERCHANT)
def detail(demand_id: int):
    """The buyer compares the quotes on a demand; a merchant sees the demand and its own quote."""
    if current_user.role is Role.BUYER:
        return _buyer_detail(access.demand_for_buyer(current_user, demand_id))
    demand, shop = access.demand_for_merchant(current_user, demand_id)
    return _merchant_detail(demand, shop, editing=request.args.get("edit") == "1")


@bp.get("/<int:demand_id>/photo")
@role_required(Role.BUYER, Role.MERCHANT)
def photo(demand_id: int):
    """The demand's photo, for its buyer and the merchants who may quote on it."""
    return send_private(access.demand_with_photo(current_user, demand_id).photo)


@bp.post("/<int:demand_id>/close")
@role_required(Role.BUYER)
def close(demand_id: int):
    """Call the demand off; the quoting merchants hear it at once."""
    demand = decisions.close_demand(current_user, demand_id)
    if wants_fragment():
        return _buyer_detail(demand)
    flash(_("需求已关闭。"), "success")
    return redirect_to(url_for("demands.detail", demand_id=demand.id))


@bp.post("/quotes/<int:quote_id>/decline")
@role_required(Role.BUYER)
def decline(quote_id: int):
    """Turn one quote down; the others stay open."""
    quote = decisions.decline_quote(current_user, quote_id)
    if wants_fragment():
        return _buyer_detail(quote.demand)
    flash(_("已婉拒该报价。"), "success")
    return redirect_to(url_for("demands.detail", demand_id=quote.demand_id))


@bp.route("/checkout/<int:quote_id>", methods=["GET", "POST"])
@role_required(Role.BUYER)
def checkout(quote_id: int):
    """Accept a quote: choose address, time window and payment; the order is placed at the
    quoted price and every other quote is closed."""
    quote = access.quote_for_buyer(current_user, quote_id)
    addresses = address_services.addresses_of(current_user)
    if request.method == "GET":
        decisions.acceptable_or_conflict(quote)

    def place(terms):
        return decisions.accept_quote(current_user, quote.id, **vars(terms))

    # Out of stock, withdrawn, expired, or another accept won: said on the form.
    return checkout_page(QuoteCheckoutForm(quote=quote, addresses=addresses), place,
                         page="demands/checkout.html", fragment="demands/_checkout_form.html",
                         placed=_("已接受报价并下单，等待商家接单。"), raise_statuses=(403, 404),
                         shows=lambda ctx: of_quote(ctx["quote"]),
                         changed_since=lambda seen, ctx: quote_change(seen, ctx["quote"]),
                         quote=quote, addresses=addresses)


# ---- the merchant ------------------------------------------------------------------------------

@bp.get("/feed")
@role_required(Role.MERCHANT)
def feed():
    """Open demands in the shop's district and categories, arriving live (tablet layout), beside
    the shop's own quotes; each list a page at a time (`?after=`, `?quotes_after=`).

    A live refresh re-fetches the first page of its list (#demand-feed or #my-quotes, without a
    cursor); a "more" row fetches the next page's rows only.
    """
    shop = quoting.feed_shop(current_user)
    everything = request.args.get("all") == "1"
    after = paging.cursor_of(quoting.FEED_KEY)
    quotes_after = paging.cursor_of(quoting.QUOTES_KEY, "quotes_after")
    fragment = wants_fragment()
    if fragment and (quotes_after is not None or request.headers.get("HX-Target") == "my-quotes"):
        rows = "demands/_my_quote_rows.html" if quotes_after is not None else \
            "demands/_my_quotes.html"
        return render("demands/feed.html", rows, quotes=quoting.quotes_page(shop, quotes_after))
    listing = quoting.feed(shop, everything, after)
    ctx = {"shop": shop, "listing": listing, "everything": everything}
    if fragment:
        rows = "demands/_feed_rows.html" if after is not None else "demands/_feed.html"
        return render("demands/feed.html", rows, **ctx)
    sold = quoting.shop_categories(shop) if everything else listing.categories
    return render("demands/feed.html", quotes=quoting.quotes_page(shop, quotes_after),
                  category_labels=[CATEGORIES[key] for key in sold],
                  region=of_district(shop.district_code), **ctx)


def _quote_form(shop) -> QuoteForm:
    return QuoteForm(products=quoting.products_for_quote(shop))


@bp.post("/<int:demand_id>/quote")
@role_required(Role.MERCHANT)
@limiter.limit(quote_limit, key_func=_per_user, deduct_when=_went_through,
               error_message=QUOTE_LIMIT_MESSAGE)
def quote(demand_id: int):
    """Answer the demand with one of the shop's products or a free-text item."""
    demand, shop = access.demand_for_merchant(current_user, demand_id)
    form = _quote_form(shop)
    if not form.validate_on_submit():
        return _merchant_detail(demand, shop, form, status=422)
    try:
        quoting.submit_quote(current_user, demand.id, form.to_input())
    except ServiceError as error:
        if error.status in (403, 404):
            raise
        return _merchant_detail(demand, shop, form, status=_on_form(form, error))
    if not wants_fragment():
        flash(_("报价已发送给买家。"), "success")
        return redirect_to(url_for("demands.detail", demand_id=demand.id))
    return _merchant_detail(demand, shop)


@bp.post("/quotes/<int:quote_id>/edit")
@role_required(Role.MERCHANT)
@limiter.limit(quote_limit, key_func=_per_user, deduct_when=_went_through,
               error_message=QUOTE_LIMIT_MESSAGE)
def edit_quote(quote_id: int):
    """Change the shop's live quote until the buyer decides."""
    existing, shop = access.quote_for_merchant(current_user, quote_id)
    demand = existing.demand
    form = _quote_form(shop)
    if not form.validate_on_submit():
        return _merchant_detail(demand, shop, form, status=422, editing=True)
    try:
        quoting.update_quote(current_user, existing.id, form.to_input())
    except ServiceError as error:
        if error.status in (403, 404):
            raise
        return _merchant_detail(demand, shop, form, status=_on_form(form, error), editing=True)
    if not wants_fragment():
        flash(_("报价已更新。"), "success")
        return redirect_to(url_for("demands.detail", demand_id=demand.id))
    return _merchant_detail(demand, shop)


@bp.post("/quotes/<int:quote_id>/withdraw")
@role_required(Role.MERCHANT)
def withdraw(quote_id: int):
    """Take the shop's quote back before the buyer decides."""
    withdrawn = quoting.withdraw_quote(current_user, quote_id)
    demand, shop = access.demand_for_merchant(current_user, withdrawn.demand_id)
    if not wants_fragment():
        flash(_("报价已撤回。"), "success")
        return redirect_to(url_for("demands.detail", demand_id=demand.id))
    return _merchant_detail(demand, shop)


@bp.cli.command("expire")
def expire_command():
    """Expire demands past their needed-by time and quotes past their valid-until."""
    click.echo(f"expired {expiry.expire_overdue()} demands and quotes")

