"""What a checkout page showed the buyer, carried back by its form (the hidden field `shown`):
each line's price in fen and quantity, the delivery fee, and for a quote its version.

The field is plain text (`f800;v1733520000123456;7:6000x2`): the server never takes a figure
from it, it only compares it with its own, so a forged one can do no more than be refused.
The order is placed only when the figures the page showed are the ones the order records;
otherwise the page is drawn again with the new figures and a message naming what changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.web import Conflict, ServiceError, yuan

INVALID = _l("无法确认下单页显示的价格，请核对后再提交")
MAX_LENGTH = 2000
_FORMAT = re.compile(r"f(\d{1,9})(?:;v(\d{1,20}))?((?:;\d{1,10}:\d{1,9}x\d{1,3})*)")
_LINE = re.compile(r";(\d{1,10}):(\d{1,9})x(\d{1,3})")
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class Shown:
    """The figures of one checkout page: {id: (unit price fen, quantity)} (a variant's id for
    a cart line, the quote's own id for a quote), the delivery fee, and the quote's version."""

    lines: dict[int, tuple[int, int]]
    fee_fen: int
    version: int | None = None

    def text(self) -> str:
        head = f"f{self.fee_fen}" + (f";v{self.version}" if self.version is not None else "")
        return head + "".join(f";{key}:{price}x{qty}"
                              for key, (price, qty) in sorted(self.lines.items()))


def parse(text: str | None) -> Shown:
    """The figures a posted field names; ValueError for anything this module did not write."""
    match = _FORMAT.fullmatch(text or "") if len(text or "") <= MAX_LENGTH else None
    if match is None:
        raise ValueError("not a checkout page's figures")
    lines = [tuple(map(int, line)) for line in _LINE.findall(match.group(3))]
    found = {key: (price, qty) for key, price, qty in lines}
    if len(found) != len(lines):
        raise ValueError("a line named twice")
    version = int(match.group(2)) if match.group(2) is not None else None
    return Shown(found, int(match.group(1)), version)


def version_of(moment: datetime) -> int:
    """A quote's version: its last change, in microseconds (every edit sets `updated_at`)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def of_cart(cart) -> Shown:
    """What the checkout page of a shop's cart (webapp.cart.services.ShopCart) shows."""
    return Shown({item.variant_id: (item.variant.price_fen, item.quantity) for item in cart.items},
                 cart.shop.delivery_fee_fen)


def of_quote(quote) -> Shown:
    """What the checkout page of a quote shows."""
    return Shown({quote.id: (quote.unit_price_fen, quote.quantity)}, quote.delivery_fee_fen,
                 version_of(quote.updated_at))


def changed(parts: list[str]) -> Conflict:
    """The refusal naming each figure that changed ("赣南脐橙 ¥12.80 → ¥13.50")."""
    return Conflict(_("价格已变化：%(changes)s，请确认后再下单", changes=_("、").join(parts)))


def fee_part(old: int, new: int) -> str:
    return _("配送费 %(old)s → %(new)s", old=yuan(old), new=yuan(new))


def price_part(title: str, old: int, new: int) -> str:
    return f"{title} {yuan(old)} → {yuan(new)}"


def cart_change(shown: Shown, lines: dict[int, int], products: dict, fee_fen: int) -> Conflict | None:
    """Why the cart as read ({variant id: quantity}, {variant id: variant}) is not what the
    page showed (None when it is)."""
    if set(shown.lines) != set(lines) or any(
            shown.lines[key][1] != quantity for key, quantity in lines.items()):
        return Conflict(_("购物车已有变化，请确认后再下单"))
    parts = [price_part(products[key].line_title, shown.lines[key][0], products[key].price_fen)
             for key in sorted(lines) if shown.lines[key][0] != products[key].price_fen]
    if shown.fee_fen != fee_fen:
        parts.append(fee_part(shown.fee_fen, fee_fen))
    return changed(parts) if parts else None


def cart_change_of(shown: Shown, cart) -> Conflict | None:
    """Why a shop's cart (webapp.cart.services.ShopCart) is not what the page showed."""
    return cart_change(shown, {item.variant_id: item.quantity for item in cart.items},
                       {item.variant_id: item.variant for item in cart.items},
                       cart.shop.delivery_fee_fen)


def quote_change(shown: Shown, quote) -> ServiceError | None:
    """Why the quote as read is not what its checkout page showed (None when it is)."""
    if set(shown.lines) != {quote.id} or shown.version is None:
        return ServiceError(str(INVALID), 422)
    now = of_quote(quote)
    (price, quantity), (new_price, new_quantity) = shown.lines[quote.id], now.lines[quote.id]
    parts = []
    if price != new_price:
        parts.append(_("单价 %(old)s → %(new)s", old=yuan(price), new=yuan(new_price)))
    if quantity != new_quantity:
        parts.append(_("数量 %(old)s → %(new)s", old=quantity, new=new_quantity))
    if shown.fee_fen != now.fee_fen:
        parts.append(fee_part(shown.fee_fen, now.fee_fen))
    if parts:
        return Conflict(_("报价已变化：%(changes)s，请确认后再下单", changes=_("、").join(parts)))
    if shown.version != now.version:
        return Conflict(_("商家刚刚修改了报价，请确认后再下单"))
    return None
