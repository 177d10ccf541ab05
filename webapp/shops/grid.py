"""The shop page's products (category chips and product cards), a page at a time, each page
rendered once per state of what it shows.

The shop's products on sale are read a page of PAGE_SIZE at a time in id order, within the chosen
category, after the cursor in `?after=` (webapp/paging.py, on ix_product_shelf or
ix_product_shelf_category), and the chips count them with one grouped COUNT on the latter: the
page costs the same at 50 products as at 5,000. The first page comes with the chips; later pages
come after a "more" row (templates/_macros/paging.html), as a whole page without JavaScript or,
for htmx, as only their cards and the next "more" row.

Rendering the cards (a macro, three url_for and a few translations each) was most of a shop
page's time (bench/test_pages.py), so a rendered page is kept, under a key of exactly what it
shows:

- the page's products as the cards show them: id, title, description, price, stock, photo,
  category, low-stock level and number of variants (the page's query reads exactly these
  columns), and the next
  page's cursor (whether a "more" row follows, and where it leads);
- with the chips, the per-category counts;
- the category chosen, the cursor it follows, the page's language, whether the visitor may buy
  (nobody signed in, or a buyer: the cards carry a 购买 button) and the script root the links
  are built under.

So any sale, edit, new photo or product going off sale on a page makes a new key for that page
(and only that page; a change of counts, for the pages with chips): nothing to invalidate, never
a stale card, and the same in every process. Nothing per user is inside (no name, no cart, no
CSRF token: those are in the page around it). Entries live in the app (a small LRU per process);
a debug app with template auto-reload renders every time. Search keeps its results fragment
through `cached` the same way (webapp/search/routes.py).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.sql import Select

from webapp import paging
from webapp.licences.services import sellable
from webapp.models import Product, Role, Shop
from webapp.shops.services import categories_from_counts, category_counts

# Every column a product card shows (templates/_macros/cards.html, product_card without shop).
SHOWN = (Product.id, Product.title, Product.description, Product.price_fen, Product.stock,
         Product.image, Product.category, Product.low_stock_at, Product.variant_count)
NAMES = tuple(column.key for column in SHOWN)
PAGE_SIZE = 24  # a phone screen or two of cards, two or three columns on a tablet
KEY = (paging.Key(Product.id),)  # the page's order, as it was before paging: by id
MAX_ENTRIES = 256  # about 20 KB each for a page of 24 cards


class LRU:
    """A bounded mapping, least recently used out first; safe across threads."""

    def __init__(self, size: int):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
                self.entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def cache() -> LRU:
    return current_app.extensions.setdefault("shop_products_cache", LRU(MAX_ENTRIES))


def shelf(shop: Shop, category: str | None) -> Select:
    """What the cards show of the shop's products on sale (of one category if given; a
    regulated one only while the shop's licence is valid)."""
    query = select(*SHOWN).where(Product.shop_id == shop.id, Product.published.is_(True),
                                 sellable())
    return query.where(Product.category == category) if category else query


def cursor() -> tuple | None:
    """The request's `?after=` cursor (a product id), or None for the first page; anything else
    is a 400 with a message (webapp/paging.py)."""
    return paging.cursor_of(KEY)


def visitor() -> tuple:
    """What a card's HTML depends on besides the product: the language, whether the visitor may
    buy (nobody signed in, or a buyer) and the script root links are built under."""
    may_buy = not current_user.is_authenticated or current_user.role is Role.BUYER
    return str(get_locale()), may_buy, request.script_root


def cached(key: tuple, render: Callable[[], str]) -> Markup:
    """The fragment kept under `key` (which must hold everything it shows), else render() it and
    keep it. A debug app (templates reloaded on change) renders every time."""
    if current_app.debug or current_app.config.get("TEMPLATES_AUTO_RELOAD"):
        return Markup(render())
    html = cache().get(key)
    if html is None:
        html = Markup(render())
        cache().put(key, html)
    return html


def products_html(shop: Shop, category: str | None, after: tuple | None,
                  cards_only: bool = False) -> Markup:
    """One page of the shop's products on sale (one category if given) after the cursor `after`:
    the chips, the grid and its cards and "more" row (templates/shops/_products.html), or with
    `cards_only` the cards and "more" row alone, to follow the cards already shown
    (templates/shops/_product_page.html). Kept under the key of exactly what it shows, read now."""
    page = paging.keyset(shelf(shop, category), KEY, after, PAGE_SIZE, scalars=False)
    rows = tuple(tuple(row) for row in page.items)
    counts = () if cards_only else category_counts(shop)
    key = ("shop", shop.id, shop.handle, category, after, cards_only, *visitor(), counts, rows,
           page.next)

    def render() -> str:
        # The cards' template reads products; these are built from the rows the key holds (never
        # added to the session), so what is kept is what was read.
        values = dict(shop=shop, category=category, after=after, next=page.next,
                      products=[Product(**dict(zip(NAMES, row, strict=True))) for row in rows])
        if cards_only:
            return render_template("shops/_product_page.html", **values)
        return render_template("shops/_products.html", categories=categories_from_counts(
            dict(counts)), **values)

    return cached(key, render)
