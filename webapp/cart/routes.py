from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.cart import bp, services
from webapp.cart.forms import AddToCartForm, QuantityForm
from webapp.models import Role
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment


@bp.get("/")
@role_required(Role.BUYER)
def index():
    """The buyer's carts, one per shop, each with its own checkout."""
    return render("cart/index.html", carts=services.carts_of(current_user))


@bp.post("/add")
@role_required(Role.BUYER)
def add():
    """Add a product to the cart of its shop (from the product page or a product card)."""
    form = AddToCartForm()
    valid = form.validate_on_submit()
    # A product not on sale is refused before the rest of the form is looked at, as a missing one.
    if form.product_id.errors or not form.product_id.data:
        raise services.not_on_sale()
    product = services.on_sale(form.product_id.data)
    added, status = None, 422
    if form.variant_id.errors:  # not a variant id at all: as a variant not on sale
        raise services.not_on_sale()
    if valid:
        try:
            added = services.add(current_user, product.id, form.quantity.data,
                                 form.variant_id.data)
        except ServiceError as error:
            if error.status == 404:
                raise
            form.quantity.errors, status = [error.message], error.status
    if not wants_fragment():
        if added:
            flash(_("已加入购物车：%(title)s × %(n)s", title=added.variant.line_title,
                    n=form.quantity.data), "success")
        else:
            for message in form.quantity.errors or [_("无法加入购物车")]:
                flash(message, "error")
        return redirect_to(url_for("shops.product", product_id=product.id))
    return render("cart/index.html", "cart/_add_form.html", status=200 if added else status,
                  product=product, add_form=form if not added else AddToCartForm(formdata=None),
                  added=added, oob_count=services.count_of(current_user))


def _shop_cart(shop_id: int, status: int = 200):
    return render("cart/index.html", "cart/_shop_cart.html", status=status,
                  cart=services.cart_for_shop(current_user, shop_id),
                  oob_count=services.count_of(current_user))


@bp.post("/<int:item_id>/quantity")
@role_required(Role.BUYER)
def quantity(item_id: int):
    """Change how many of a cart line to order."""
    item = services.line_on_sale(current_user, item_id)
    shop_id = item.product.shop_id
    form = QuantityForm()
    if not form.validate_on_submit():
        # The last message is the range rule's, which also covers "not a number".
        raise ServiceError(form.quantity.errors[-1] if form.quantity.errors else _("数量无效。"), 422)
    services.set_quantity(current_user, item_id, form.quantity.data)
    if not wants_fragment():
        return redirect_to(url_for("cart.index"))
    return _shop_cart(shop_id)


@bp.post("/<int:item_id>/remove")
@role_required(Role.BUYER)
def remove(item_id: int):
    """Take a line out of the cart."""
    shop_id = services.remove(current_user, item_id)
    if not wants_fragment():
        flash(_("已从购物车移除。"), "success")
        return redirect_to(url_for("cart.index"))
    return _shop_cart(shop_id)
