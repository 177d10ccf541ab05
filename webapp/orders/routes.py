"""The order pages: the buyer's tabs and checkout, one order for each of its parties, the
merchant's board, and the actions each of them takes there."""
from __future__ import annotations

from flask import Response, abort, flash, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import paging
from webapp.addresses import services as address_services
from webapp.cart import services as cart_services
from webapp.delivery.services import snapshot
from webapp.i18n import N_
from webapp.merchants.services import couriers_of
from webapp.models import Role
from webapp.orders import actions, bp, queries, signing
from webapp.orders.checkout import place_cart_order
from webapp.orders.checkout_page import checkout_page
from webapp.orders.failures import windows_for
from webapp.orders.forms import CheckoutForm, RefuseOrderForm, SignForm, inspection_from
from webapp.orders.refused import REDRAW_HEADER, brief_refusal, checkout_cart
from webapp.orders.shown import cart_change_of, of_cart
from webapp.orders.state import actions_for
from webapp.shops.services import own_shop_or_403
from webapp.upload_limits import limit_uploads
from webapp.uploads import send_private
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment

PARTIES = (Role.BUYER, Role.MERCHANT, Role.COURIER)


@bp.get("/")
@role_required(Role.BUYER)
def index():
    """The buyer's orders by tab (待接单 / 配送中 / 待签收 / 已完成 ...), refreshed live."""
    tab = request.args.get("tab", "all")
    if tab not in queries.BUYER_TABS:
        tab = "all"
    after = paging.cursor_of(queries.CURSOR)
    orders = queries.orders_of_buyer(current_user, tab, after)
    if after is not None and wants_fragment():  # the "more" row: the next orders only
        return render("orders/index.html", "orders/_buyer_order_items.html", tab=tab,
                      orders=orders)
    return render("orders/index.html", "orders/_buyer_orders.html", tab=tab,
                  tabs=queries.BUYER_TABS, counts=queries.buyer_tab_counts(current_user),
                  orders=orders)


@bp.route("/checkout/<int:shop_id>", methods=["GET", "POST"])
@role_required(Role.BUYER)
def checkout(shop_id: int):
    """Check out one shop's cart: address from the book, a window the shop offers, payment."""
    cart, answer = checkout_cart(shop_id)
    if answer is not None:
        return answer
    addresses = address_services.addresses_of(current_user)

    def place(terms):
        return place_cart_order(current_user, cart, terms)

    def refused(error):
        # Stock ran out or a product went off sale while the buyer was choosing: show the cart
        # as it is now (as loaded above when that is what refused, else read again).
        if getattr(error, "cart_as_seen", False):
            return {}
        return {"cart": cart_services.cart_for_shop(current_user, shop_id)}

    return checkout_page(CheckoutForm(shop=cart.shop, addresses=addresses), place,
                         page="orders/checkout.html", fragment="orders/_checkout_form.html",
                         placed=_("下单成功，等待商家接单。"), raise_statuses=(404,),
                         shows=lambda ctx: of_cart(ctx["cart"]),
                         changed_since=lambda seen, ctx: cart_change_of(seen, ctx["cart"]),
                         refused=refused, brief=lambda error, ctx: brief_refusal(ctx["cart"], error),
                         cart=cart, addresses=addresses, redraw_header=REDRAW_HEADER)


# A checkout post asks only the buyer's id, role and name (the order is written by ids): most
# posts in a rush for the last units are refusals, so the buyer is read as a LightUser.
checkout.light_login_methods = ("POST",)


def _detail_context(order):
    ctx = {"order": order, "actions": actions_for(order.status, current_user.role,
                                                  order.is_pickup),
           "sign_form": SignForm(formdata=None), "refuse_form": RefuseOrderForm(formdata=None)}
    if current_user.role is Role.MERCHANT:
        ctx["couriers"] = couriers_of(order.shop)
    if "reschedule" in ctx["actions"]:  # after a failed delivery: the checkout's windows
        ctx["windows"] = windows_for(order)
    return ctx


@bp.get("/<int:order_id>")
@role_required(*PARTIES)
def detail(order_id: int):
    """Show an order to its buyer, its shop or its courier; htmx gets the live panel."""
    order = queries.order_for(current_user, order_id)
    if current_user.role is Role.MERCHANT and _board_target():
        return _board_card(order)
    ctx = _detail_context(order)
    if current_user.role is Role.BUYER and not wants_fragment():
        ctx["track"] = snapshot(order)  # the ETA is in the page from the start, not after a socket
    return render("orders/detail.html", "orders/_panel.html", **ctx)


def _board_target() -> bool:
    return wants_fragment() and request.headers.get("HX-Target", "").startswith("board-")


def _board_card(order):
    return render("orders/board.html", "orders/_board_card.html", order=order)


def _after_merchant_action(order):
    """The board card for an htmx tap on the board, the panel on the detail page."""
    if not wants_fragment():
        return redirect_to(request.referrer if request.referrer and
                           request.referrer.startswith(request.host_url)
                           else url_for("orders.board"))
    if _board_target():
        return _board_card(order)
    return render("orders/detail.html", "orders/_panel.html", **_detail_context(order))


@bp.post("/<int:order_id>/accept")
@role_required(Role.MERCHANT)
def accept(order_id: int):
    """Accept a placed order as its shop's owner."""
    return _after_merchant_action(actions.accept(order_id, current_user))


@bp.post("/<int:order_id>/refuse")
@role_required(Role.MERCHANT)
def refuse(order_id: int):
    """Refuse a placed order with a reason."""
    form = RefuseOrderForm()
    if not form.validate():
        queries.order_for(current_user, order_id)
        raise ServiceError(_("请填写拒单原因。"), 422)
    return _after_merchant_action(actions.refuse(order_id, current_user, form.reason.data))


@bp.post("/<int:order_id>/assign")
@role_required(Role.MERCHANT)
def assign(order_id: int):
    """Assign one of the shop's couriers."""
    courier_id = request.form.get("courier_id", type=int)
    return _after_merchant_action(actions.assign(order_id, current_user, courier_id))


@bp.post("/<int:order_id>/cancel")
@role_required(Role.BUYER, Role.MERCHANT)
def cancel(order_id: int):
    """Cancel the order (buyer before acceptance, merchant before dispatch)."""
    order = actions.cancel(order_id, current_user, request.form.get("reason", ""))
    if current_user.role is Role.MERCHANT:
        return _after_merchant_action(order)
    if not wants_fragment():
        flash(_("订单已取消。"), "success")
        return redirect_to(url_for("orders.detail", order_id=order.id))
    return render("orders/detail.html", "orders/_panel.html", **_detail_context(order))


@bp.post("/<int:order_id>/paid")
@role_required(Role.MERCHANT, Role.COURIER)
def paid(order_id: int):
    """Record that the buyer paid at the door (cash, card, WeChat or Alipay scan)."""
    order = actions.confirm_payment(order_id, current_user)
    if not wants_fragment():
        flash(_("已确认收款。"), "success")
        return redirect_to(url_for("delivery.detail" if current_user.role is Role.COURIER
                                   else "orders.detail", order_id=order.id))
    if current_user.role is Role.COURIER:
        return render("delivery/detail.html", "delivery/_panel.html", order=order,
                      actions=actions_for(order.status, Role.COURIER))
    return _after_merchant_action(order)


SIGNED = {"completed": N_("签收成功，订单已完成。"), "partially_refused": N_("已签收，拒收的商品不收费。"),
          "refused": N_("已拒收全部商品，本单无需付款。")}


@bp.post("/<int:order_id>/sign")
@role_required(Role.BUYER)
@limit_uploads
def sign(order_id: int):
    """Inspect each line (accept, or reject with a reason and photo) and sign on the screen."""
    order = queries.order_for(current_user, order_id)
    form = SignForm()
    # Every other field first: the photos of rejected lines are decoded only for a form that
    # would otherwise sign.
    checks, chosen = inspection_from(request.form, {}, order.lines)
    valid = form.validate_on_submit() and not any("error" in e for e in chosen.values())
    if valid:
        checks, chosen = inspection_from(request.form, request.files, order.lines)
    if valid and not any("error" in entry for entry in chosen.values()):
        order = signing.sign(order_id, current_user, form.signer_name.data, form.signature.data,
                              checks)
        if not wants_fragment():
            flash(_(SIGNED[order.status]), "success")
            return redirect_to(url_for("orders.detail", order_id=order.id))
        return render("orders/detail.html", "orders/_panel.html", **_detail_context(order))
    ctx = _detail_context(order)
    ctx["sign_form"], ctx["inspection"] = form, chosen
    return render("orders/detail.html", "orders/_panel.html", status=422, **ctx)


@bp.get("/<int:order_id>/proof")
@role_required(*PARTIES)
def proof(order_id: int):
    """The proof of delivery, for the buyer, the shop and the courier, with its digest checked."""
    order = queries.order_for(current_user, order_id)
    if order.proof is None:
        return render("error.html", status=404, message=_("该订单尚未签收。"))
    return render("orders/proof.html", order=order)


@bp.get("/<int:order_id>/live")
@role_required(*PARTIES)
def live(order_id: int):
    """The order's state as order:watch gives it, for pages whose socket cannot connect."""
    response = jsonify(snapshot(queries.order_for(current_user, order_id)))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:order_id>/photos/<any(line, event):kind>/<int:item_id>")
@role_required(*PARTIES)
def photo(order_id: int, kind: str, item_id: int):
    """A photo of a rejected line or of a failed delivery, for the order's parties only."""
    order = queries.order_for(current_user, order_id)
    items = order.lines if kind == "line" else order.events
    name = next((getattr(item, "reject_photo" if kind == "line" else "photo")
                 for item in items if item.id == item_id), None)
    if not name:
        abort(404)
    return send_private(name)


@bp.get("/<int:order_id>/signature.png")
@role_required(*PARTIES)
def signature(order_id: int):
    """The signature image of the proof of delivery, for the order's parties only."""
    order = queries.order_for(current_user, order_id)
    if order.proof is None:
        return render("error.html", status=404, message=_("该订单尚未签收。"))
    if order.proof.erased_at is not None:
        return render("error.html", status=404, message=_("签名已随账号注销删除。"))
    response = Response(order.proof.signature_png, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/board")
@role_required(Role.MERCHANT)
def board():
    """The merchant's order board (tablet layout), refreshed live as orders arrive."""
    shop = own_shop_or_403(current_user)
    column = request.args.get("column")
    if column is not None and column not in (*queries.BOARD_COLUMNS, queries.DONE):
        abort(400, description=_("看板上没有这一栏。"))
    after = paging.cursor_of(queries.CURSOR) if column else None
    if column and wants_fragment():  # a column's "more" row: its next cards only
        return render("orders/board.html", "orders/_board_page.html", column=column,
                      cards=queries.board_page(shop, column, after))
    pages, counts = queries.board_orders(shop, column, after)
    # The couriers are listed once, in the page's assign dialog, and the returns in their own
    # section: both outside the board's fragment.
    couriers = () if wants_fragment() else couriers_of(shop)
    returns, returns_count = ((), 0) if wants_fragment() else queries.awaited_returns(shop)
    return render("orders/board.html", "orders/_board.html", columns=queries.BOARD_COLUMNS,
                  pages=pages, counts=counts, shop=shop, couriers=couriers, returns=returns,
                  returns_count=returns_count)


@bp.get("/board/returns")
@role_required(Role.MERCHANT)
def board_returns():
    """The board's goods coming back that the shop has yet to confirm, redrawn as orders change."""
    shop = own_shop_or_403(current_user)
    if not wants_fragment():
        return board()
    returns, returns_count = queries.awaited_returns(shop)
    return render("orders/board.html", "orders/_board_returns.html", returns=returns,
                  returns_count=returns_count)
