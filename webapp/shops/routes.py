import io

import qrcode
import qrcode.image.svg
from flask import Response, abort, request
from flask_login import current_user

from webapp.catalog.categories import CATEGORIES
from webapp.models import Role, ShopStatus
from webapp.reviews import queries as reviews
from webapp.reviews.record import record_of
from webapp.shared_pages import shared
from webapp.shops import bp, grid, home, services
from webapp.shops.hours import Hours, week_summary
from webapp.shops.promise import outlook
from webapp.shops.windows import slot_spans
from webapp.uploads import send_private
from webapp.web import public_url, render, wants_fragment


@bp.get("/")
@shared
def index():
    """The home page: shops near the buyer (or every verified shop) and what is new."""
    district = services.valid_district(request.args.get("district")) or \
        services.home_district(current_user)
    nearby = services.nearby_shops(district) if district else None
    buyer = current_user.is_authenticated and current_user.role is Role.BUYER
    return render("shops/index.html", nearby=nearby,
                  shops=None if nearby else services.active_shops(),
                  new_products=services.new_products(),
                  my_orders=home.recent_orders(current_user) if buyer else [])


@bp.get("/shops")
@shared
def directory():
    """Every verified shop."""
    return render("shops/directory.html", shops=services.active_shops())


@bp.get("/s/<handle>")
@shared(buyers=True)
def detail(handle: str):
    """Show one verified shop and its published products, a page at a time after `?after=`, one
    category at a time if asked. htmx gets the products' fragment (a chip), or for a next page
    only its cards and the next "more" row."""
    shop = services.by_handle(handle)
    category = request.args.get("category")
    if category not in CATEGORIES:
        category = None
    after = grid.cursor()
    if wants_fragment():
        return render("shops/_products_cached.html", products_html=grid.products_html(
            shop, category, after, cards_only=after is not None))
    shown, more = reviews.shop_page(shop.id)
    hours = Hours.of(shop)
    return render("shops/detail.html", shop=shop,
                  products_html=grid.products_html(shop, category, after),
                  licence=services.licence_masked(shop),
                  delivery_hours=slot_spans(shop.delivery_slots),
                  hours_lines=week_summary(hours.week), closed_ahead=hours.closed_ahead(),
                  seen=outlook(shop),
                  record=record_of(shop.id), reviews=shown, more=more)


@bp.get("/p/<int:product_id>")
def product(product_id: int):
    """One product on sale: photo, price, stock, its shop, and the add-to-cart form."""
    item = services.public_product(product_id, current_user)
    return render("shops/product.html", product=item, shop=item.shop,
                  own=current_user.is_authenticated and item.shop.owner_id == current_user.id)


@bp.get("/p/<int:product_id>/photo")
def product_photo(product_id: int):
    """A product's photo, as public as its page (its own merchant sees it off sale too)."""
    item = services.public_product(product_id, current_user)
    if not item.image:
        abort(404)
    response = send_private(item.image)
    if item.published and item.shop.status is ShopStatus.ACTIVE:
        # The URL carries the file's name (?v=), so a new photo is a new URL.
        response.headers["Cache-Control"] = "public, max-age=600"
    return response


@bp.get("/s/<handle>/<any(logo, banner):kind>")
def image(handle: str, kind: str):
    """A shop's logo or banner (public, like the shop page)."""
    shop = services.by_handle(handle)
    if not getattr(shop, kind):
        abort(404)
    response = send_private(getattr(shop, kind))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _qr(handle: str):
    shop = services.by_handle(handle)
    return qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2), \
        public_url("shops.detail", handle=shop.handle)


@bp.get("/s/<handle>/qr.png")
def qr_png(handle: str):
    """The shop's address as a QR code (PNG)."""
    code, address = _qr(handle)
    code.add_data(address)
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out)
    return Response(out.getvalue(), mimetype="image/png",
                    headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/s/<handle>/qr.svg")
def qr_svg(handle: str):
    """The shop's address as a QR code (SVG, for print)."""
    code, address = _qr(handle)
    code.image_factory = qrcode.image.svg.SvgPathImage
    code.add_data(address)
    out = io.BytesIO()
    code.make_image().save(out)
    return Response(out.getvalue(), mimetype="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/s/<handle>/poster")
def poster(handle: str):
    """A printable poster for the shop window: name, verified badge and QR code."""
    shop = services.by_handle(handle)
    return render("shops/poster.html", shop=shop, licence=services.licence_masked(shop))
