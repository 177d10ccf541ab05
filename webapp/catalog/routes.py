"""The merchant's product manager: the list on the left, one product's form on the right.

Without JavaScript every link and form is a whole page (both panes). With htmx a row or "新商品"
swaps only the form pane (and pushes its URL); a save answers with the pane and the event
`catalog:changed`, on which the list re-fetches its first page with the filters it shows.

The list is paged (webapp/catalog/listing.py): a search box and filters above it travel in the
query of `/catalog/list` (htmx, as you type, pushing the URL; a plain GET form without JS), and
every page of the manager (`/catalog/`, an edit page) reads them too. A "more" row at the end
loads the next page after its cursor: for htmx only those rows and the next "more" row.
"""
import json

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import paging
from webapp.catalog import bp, listing, services
from webapp.catalog.forms import ProductForm
from webapp.models import Role
from webapp.shops.services import active_shop_or_403, own_shop_or_403
from webapp.upload_limits import limit_uploads
from webapp.uploads import posted_image
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment

CHANGED = "catalog:changed"


def _fields(form: ProductForm) -> dict:
    low = form.low_stock_at.data
    return {"title": form.title.data, "description": form.description.data or "",
            "price_fen": form.price_fen, "stock": form.stock.data,
            "category": form.category.data, "low_stock_at": 5 if low is None else low,
            "published": form.published.data}


def _listing(shop) -> dict:
    """What the list pane shows for this request's filters and cursor (a 400 for bad ones)."""
    filters = listing.filters_from(request.args)
    found = listing.summary(shop, filters)
    return {"filters": filters, "found": found,
            "listed": listing.page(shop, filters, paging.cursor_of(listing.KEYS)),
            "categories": listing.category_choices(found, filters)}


def _manager(shop, form, product=None, status=200, saved=None):
    """The manager page, or only the form pane for htmx."""
    return render("catalog/products.html", "catalog/_product_form.html", status=status,
                  form=form, shop=shop, product=product, saved=saved,
                  **(_listing(shop) if not wants_fragment() else {}))


def _filled(product) -> ProductForm:
    """The edit form showing `product` as it is now."""
    form = ProductForm(formdata=None, obj=product)
    form.price.data = f"{product.price_fen / 100:.2f}"
    form.stock_seen.data = str(product.stock)
    return form


def _saved(shop, product, message: str, *, created: bool):
    """After a save: htmx gets the pane and tells the list; a page is redirected (PRG)."""
    if not wants_fragment():
        flash(message, "success")
        return redirect_to(url_for("catalog.products") if created
                           else url_for("catalog.edit", product_id=product.id))
    # A new product leaves a blank form for the next one; an edit stays on its product.
    form = ProductForm(formdata=None) if created else _filled(product)
    response = _manager(shop, form, product=None if created else product, saved=message)
    response.headers["HX-Trigger"] = CHANGED
    return response


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
@limit_uploads
def products():
    """List the shop's products beside the form for a new one; add it."""
    shop = own_shop_or_403(current_user)
    if request.method == "POST":
        shop = active_shop_or_403(current_user)
    form = ProductForm()
    if request.method == "POST":
        # The rest of the form first: a form refused for its price costs no decoding.
        photo = posted_image(form.photo, services.PHOTO_MAX_SIDE) if form.validate_on_submit() \
            else None
        if not form.errors:
            product = services.create_product(shop, **_fields(form), photo=photo)
            return _saved(shop, product, _("已添加商品：%(title)s", title=product.title), created=True)
    return _manager(shop, form, status=422 if form.errors else 200)


@bp.get("/list")
@role_required(Role.MERCHANT)
def product_list():
    """The product list alone (its first page, with the filters asked for), fetched as the
    filters change and after a save; for htmx after a cursor, the next page's rows alone."""
    shop = own_shop_or_403(current_user)
    after = paging.cursor_of(listing.KEYS)
    if after is not None and wants_fragment():
        filters = listing.filters_from(request.args)
        return render("catalog/products.html", "catalog/_product_page.html", filters=filters,
                      listed=listing.page(shop, filters, after))
    return render("catalog/products.html", "catalog/_product_list.html", form=ProductForm(),
                  shop=shop, product=None, summary_oob=wants_fragment(), **_listing(shop))


@bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
@limit_uploads
def edit(product_id: int):
    """Change a product's photo, price, stock or details."""
    shop = own_shop_or_403(current_user) if request.method == "GET" else active_shop_or_403(
        current_user)
    product = services.own_product(shop, product_id)
    if request.method == "GET":
        return _manager(shop, _filled(product), product=product)
    # A field missing from the post keeps the product's value.
    form = ProductForm(obj=product)
    photo = posted_image(form.photo, services.PHOTO_MAX_SIDE) if form.validate_on_submit() \
        else None
    if not form.errors:
        # Optional() lets a blank value through unchecked: blank means "as the product is".
        seen = int(form.stock_seen.data) if (form.stock_seen.data or "").strip() else product.stock
        try:
            services.update_product(product, **_fields(form), stock_seen=seen, photo=photo,
                                    remove_photo=form.remove_photo.data)
        except ServiceError as error:
            form.stock.errors = [*form.stock.errors, error.message]
            form.stock_seen.data = str(product.stock)
        else:
            return _saved(shop, product, _("已保存：%(title)s", title=product.title), created=False)
    return _manager(shop, form, product=product, status=422)


@bp.post("/<int:product_id>/publish")
@role_required(Role.MERCHANT)
def publish(product_id: int):
    """Toggle whether a product is on sale."""
    shop = active_shop_or_403(current_user)
    product = services.own_product(shop, product_id)
    services.set_published(product, request.form.get("published") == "1")
    if not wants_fragment():
        return redirect_to(url_for("catalog.products"))
    response = render("catalog/products.html", "catalog/_product_row.html", product=product)
    # The form pane may show this product: catalog.js puts its checkbox in step.
    response.headers["HX-Trigger"] = json.dumps(
        {"catalog:published": {"id": product.id, "published": product.published}})
    return response
