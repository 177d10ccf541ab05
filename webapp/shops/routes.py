import io

import qrcode
import qrcode.image.svg
from flask import Response, abort, url_for

from webapp.shops import bp, services
from webapp.uploads import send_private
from webapp.web import render


@bp.get("/")
def index():
    """List the verified shops."""
    return render("shops/index.html", shops=services.active_shops())


@bp.get("/s/<handle>")
def detail(handle: str):
    """Show one verified shop and its published products."""
    shop = services.by_handle(handle)
    return render("shops/detail.html", "shops/_products.html", shop=shop,
                  products=services.published_products(shop),
                  licence=services.licence_masked(shop))


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
        url_for("shops.detail", handle=shop.handle, _external=True)


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
