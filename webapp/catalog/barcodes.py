"""A barcode scanned with the tablet's camera, or typed, on the product manager: the shop's own
variant that carries it (webapp/catalog/variants.py keeps barcodes unique per shop), or nothing.

Another shop's barcode is "not found" here, as if no one had it. Full-width digits, as a Chinese
input method types them, count as the digits they are; anything else that is not 8 to 14 digits,
or an EAN-13 / EAN-8 whose check digit is wrong, is refused with the reason (400)."""
from __future__ import annotations

import unicodedata

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.catalog.variants import clean_barcode
from webapp.extensions import db
from webapp.models import ProductVariant, Shop
from webapp.web import ServiceError

TYPED_MAX = 40  # longer than any barcode with spaces and dashes in it


class BadCode(ServiceError):
    """A code that no product can carry; the message says why."""

    def __init__(self, message: str):
        super().__init__(message, 400)


def code_of(text: str | None) -> str:
    """The digits of a scanned or typed barcode, as stored; BadCode with the reason."""
    text = (text or "").strip()
    if not text:
        raise BadCode(_("请输入或扫描条码"))
    if len(text) > TYPED_MAX:
        raise BadCode(_("条码为 8 到 14 位数字"))
    # NFKC turns full-width digits into ASCII ones; other scripts' digits stay what they are,
    # which the ASCII check refuses (str.isdigit and \d would take them).
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        raise BadCode(_("条码为 8 到 14 位数字"))
    try:
        code = clean_barcode(text)
    except ValueError as error:
        raise BadCode(str(error)) from None
    if code is None:
        raise BadCode(_("请输入或扫描条码"))
    return code


def own_variant(shop: Shop, code: str) -> ProductVariant | None:
    """The shop's live variant whose barcode is `code` (at most one), None if it has none."""
    return db.session.scalar(select(ProductVariant).where(
        ProductVariant.shop_id == shop.id, ProductVariant.barcode == code,
        ProductVariant.retired.is_(False)))
