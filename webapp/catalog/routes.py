from flask import flash, request, url_for
from flask_login import current_user

from webapp.catalog import bp, services
from webapp.catalog.forms import ProductForm
from webapp.models import Role
from webapp.shops.services import active_shop_or_403, own_shop_or_403
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment


def _fields(form: ProductForm) -> dict:
    return {"title": form.title.data, "description": form.description.data or "",
            "price_fen": form.price_fen, "stock": form.stock.data,
            "published": form.published.data}


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
def products():
    """List the shop's products and add a new one."""
    shop = own_shop_or_403(current_user)
    if request.method == "POST":
        shop = active_shop_or_403(current_user)
    form = ProductForm()
    if form.validate_on_submit():
        product = services.create_product(shop, **_fields(form))
        flash(f"已添加商品：{product.title}", "success")
        return redirect_to(url_for("catalog.products"))
    return render("catalog/products.html", "catalog/_product_form.html",
                  status=422 if form.errors else 200, form=form, shop=shop,
                  products=services.products_of(shop))


@bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
def edit(product_id: int):
    """Change a product's price, stock or details."""
    shop = own_shop_or_403(current_user) if request.method == "GET" else active_shop_or_403(
        current_user)
    product = services.own_product(shop, product_id)
    form = ProductForm(obj=None if request.method == "POST" else product)
    if request.method == "GET":
        form.price.data = f"{product.price_fen / 100:.2f}"
        form.stock_seen.data = str(product.stock)
    if form.validate_on_submit():
        seen = int(form.stock_seen.data) if form.stock_seen.data else product.stock
        try:
            services.update_product(product, **_fields(form), stock_seen=seen)
        except ServiceError as error:
            form.stock.errors.append(error.message)
            form.stock_seen.data = str(product.stock)
        else:
            flash(f"已保存：{product.title}", "success")
            return redirect_to(url_for("catalog.products"))
    return render("catalog/edit.html", "catalog/_product_form.html",
                  status=422 if form.errors else 200, form=form, product=product, shop=shop)


@bp.post("/<int:product_id>/publish")
@role_required(Role.MERCHANT)
def publish(product_id: int):
    """Toggle whether a product is on sale."""
    shop = active_shop_or_403(current_user)
    product = services.own_product(shop, product_id)
    services.set_published(product, request.form.get("published") == "1")
    if not wants_fragment():
        return redirect_to(url_for("catalog.products"))
    return render("catalog/products.html", "catalog/_product_row.html", product=product)
