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

from flask import flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp import paging
from webapp.catalog import barcodes, bp, listing, services, variants
from webapp.catalog.forms import ProductForm, VariantForm
from webapp.licences import services as licences
from webapp.models import Role
from webapp.shops.services import active_shop_or_403, own_shop_or_403
from webapp.upload_limits import limit_uploads
from webapp.uploads import posted_image
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment

CHANGED = "catalog:changed"


# A product with a choice of variants has these per variant (VariantForm), not on its form.
ONE_VARIANT_FIELDS = ("price", "stock", "low_stock_at", "variant_name", "barcode", "stock_seen")


def _fields(form: ProductForm) -> dict:
    fields = {"title": form.title.data, "description": form.description.data or "",
              "category": form.category.data, "published": form.published.data}
    if "price" not in form:  # a product of several variants
        return {**fields, "price_fen": None, "stock": 0}
    low = form.low_stock_at.data
    return {**fields, "price_fen": form.price_fen, "stock": form.stock.data,
            "low_stock_at": 5 if low is None else low,
            "variant_name": form.variant_name.data or "", "barcode": form.barcode.data}


def _for(product, form: ProductForm) -> ProductForm:
    """The product's form as its product has it: without the one variant's fields when the
    product has several."""
    if product is not None and product.has_choice:
        for name in ONE_VARIANT_FIELDS:
            delattr(form, name)
    return form


def _listing(shop) -> dict:
    """What the list pane shows for this request's filters and cursor (a 400 for bad ones)."""
    filters = listing.filters_from(request.args)
    found = listing.summary(shop, filters)
    return {"filters": filters, "found": found,
            "listed": listing.page(shop, filters, paging.cursor_of(listing.KEYS)),
            "categories": listing.category_choices(found, filters)}


def _licensed(shop, form: ProductForm) -> bool:
    """Put on sale in a regulated category only with a valid licence: else say which one, on
    the category (the product may still be saved off sale)."""
    problem = form.published.data and licences.refusal(shop.id, form.category.data)
    if problem:
        form.category.errors = [*form.category.errors, problem]
    return not problem


def _manager(shop, form, product=None, status=200, saved=None, variant_forms=None,
             variant_note=None, scan_note=None):
    """The manager page, or only the form pane for htmx. For a product, its variants each in
    a form of their own and one to add another (`variant_forms`: those posted, with errors)."""
    forms = {}
    if product is not None:
        forms = {v.id: _variant_filled(v) for v in variants.live_variants(product.id)}
        forms["new"] = VariantForm(formdata=None, prefix="new")
        forms.update(variant_forms or {})
    return render("catalog/products.html", "catalog/_product_form.html", status=status,
                  form=form, shop=shop, product=product, saved=saved, variant_forms=forms,
                  variant_note=variant_note, scan_note=scan_note,
                  **(_listing(shop) if not wants_fragment() else {}))


def _variant_filled(variant) -> VariantForm:
    form = VariantForm(formdata=None, obj=variant, prefix=f"v{variant.id}")
    form.price.data = f"{variant.price_fen / 100:.2f}"
    form.stock_seen.data = str(variant.stock)
    form.barcode.data = variant.barcode or ""
    return form


def _filled(product) -> ProductForm:
    """The edit form showing `product` as it is now."""
    form = _for(product, ProductForm(formdata=None, obj=product))
    if not product.has_choice:
        form.price.data = f"{product.price_fen / 100:.2f}"
        form.stock_seen.data = str(product.stock)
        only = variants.only_variant(product.id)
        form.variant_name.data = only.name if only else ""
        form.barcode.data = (only.barcode if only else None) or ""
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
        photo = posted_image(form.photo, services.PHOTO_MAX_SIDE) \
            if form.validate_on_submit() and _licensed(shop, form) else None
        if not any(form.errors.values()):
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
    form = _for(product, ProductForm(obj=product))
    photo = posted_image(form.photo, services.PHOTO_MAX_SIDE) \
        if form.validate_on_submit() and _licensed(shop, form) else None
    if not any(form.errors.values()):
        # Optional() lets a blank value through unchecked: blank means "as the product is".
        seen = int(form.stock_seen.data) if "stock_seen" in form and (
            form.stock_seen.data or "").strip() else product.stock
        try:
            services.update_product(product, **_fields(form), stock_seen=seen, photo=photo,
                                    remove_photo=form.remove_photo.data)
        except ServiceError as error:
            field = form[getattr(error, "field", "stock")] if "stock" in form else form.title
            field.errors = [*field.errors, error.message]
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
    # Refused (403, naming the licence) in a regulated category without a valid licence.
    services.set_published(product, request.form.get("published") == "1")
    if not wants_fragment():
        return redirect_to(url_for("catalog.products"))
    response = render("catalog/products.html", "catalog/_product_row.html", product=product)
    # The form pane may show this product: catalog.js puts its checkbox in step.
    response.headers["HX-Trigger"] = json.dumps(
        {"catalog:published": {"id": product.id, "published": product.published}})
    return response


def _variant_saved(shop, product, message: str):
    """After a variant's change: htmx gets the pane (the product's form and its variants) and
    tells the list; a page is redirected to the product's edit page."""
    if not wants_fragment():
        flash(message, "success")
        return redirect_to(url_for("catalog.edit", product_id=product.id))
    response = _manager(shop, _filled(product), product=product, variant_note=message)
    response.headers["HX-Trigger"] = CHANGED
    return response


def _variant_refused(shop, product, key, form: VariantForm, error: ServiceError | None = None):
    """The pane again with the variant's form as posted and what is wrong with it (422, or the
    conflict's status); without JavaScript the whole page."""
    if error is not None:
        field = form[error.field] if isinstance(error, variants.Rejected) else form.name
        field.errors = [*field.errors, error.message]
        if key != "new" and isinstance(error, variants.Rejected) and error.field == "stock":
            form.stock_seen.data = str(variants.own_variant(product, key).stock)
    status = error.status if error is not None else 422
    return _manager(shop, _filled(product), product=product, status=status,
                    variant_forms={key: form})


@bp.post("/<int:product_id>/variants")
@role_required(Role.MERCHANT)
def add_variant(product_id: int):
    """Add a variant (规格) to a product: name, price, stock, low-stock level, barcode."""
    shop = active_shop_or_403(current_user)
    product = services.own_product(shop, product_id)
    form = VariantForm(prefix="new")
    if not form.validate_on_submit():
        return _variant_refused(shop, product, "new", form)
    try:
        variant = variants.add_variant(
            product, name=form.name.data, price_fen=form.price_fen, stock=form.stock.data,
            low_stock_at=5 if form.low_stock_at.data is None else form.low_stock_at.data,
            barcode=form.barcode.data)
    except ServiceError as error:
        return _variant_refused(shop, product, "new", form, error)
    return _variant_saved(shop, product, _("已添加规格：%(name)s", name=variant.name))


@bp.post("/<int:product_id>/variants/<int:variant_id>")
@role_required(Role.MERCHANT)
def update_variant(product_id: int, variant_id: int):
    """Rename, reprice or restock a variant, or change its low-stock level or barcode."""
    shop = active_shop_or_403(current_user)
    product = services.own_product(shop, product_id)
    variant = variants.own_variant(product, variant_id)
    form = VariantForm(prefix=f"v{variant.id}")
    if not form.validate_on_submit():
        return _variant_refused(shop, product, variant.id, form)
    seen = int(form.stock_seen.data) if (form.stock_seen.data or "").strip() else variant.stock
    try:
        variants.update_variant(
            product, variant.id, name=form.name.data, price_fen=form.price_fen,
            stock=form.stock.data, stock_seen=seen,
            low_stock_at=5 if form.low_stock_at.data is None else form.low_stock_at.data,
            barcode=form.barcode.data)
    except ServiceError as error:
        return _variant_refused(shop, product, variant.id, form, error)
    return _variant_saved(shop, product, _("已保存规格：%(name)s", name=form.name.data))


@bp.post("/<int:product_id>/variants/<int:variant_id>/remove")
@role_required(Role.MERCHANT)
def remove_variant(product_id: int, variant_id: int):
    """Remove a variant: deleted, or retired if orders, quotes or carts name it."""
    shop = active_shop_or_403(current_user)
    product = services.own_product(shop, product_id)
    name = variants.own_variant(product, variant_id).name
    deleted = variants.remove_variant(product, variant_id)
    return _variant_saved(shop, product, _("已删除规格：%(name)s", name=name) if deleted
                          else _("已停售规格：%(name)s（有订单记录，保留在订单中）", name=name))


@bp.get("/barcode")
@role_required(Role.MERCHANT)
def barcode():
    """A barcode scanned or typed in the manager's scanner (?code=): the shop's product that
    carries it opens in the form pane, as its row would; when none does, the new product's form
    with the code filled in. A code no product can carry is refused (400) with the reason: for
    htmx in the scanner's dialog, else on the error page."""
    shop = own_shop_or_403(current_user)
    try:
        code = barcodes.code_of(request.args.get("code"))
    except barcodes.BadCode as error:
        if not wants_fragment():
            raise
        response = make_response(render_template("catalog/_scan_message.html",
                                                 message=error.message), error.status)
        response.headers["HX-Retarget"] = "#scan-message"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    variant = barcodes.own_variant(shop, code)
    if variant is None:
        form = ProductForm(formdata=None)
        form.barcode.data = code
        response = _manager(shop, form, scan_note=_("未找到条码 %(code)s，新建商品", code=code))
        pushed = url_for("catalog.barcode", code=code)
    else:
        product = variant.product
        note = _("条码 %(code)s：%(title)s", code=code, title=product.title)
        if product.has_choice:
            note = _("条码 %(code)s：%(title)s，规格 %(variant)s", code=code,
                     title=product.title, variant=variant.label)
        response = _manager(shop, _filled(product), product=product, scan_note=note)
        pushed = url_for("catalog.edit", product_id=product.id)
    # The address bar shows the product's page, as a row's click leaves it.
    response.headers["HX-Push-Url"] = pushed
    return response
