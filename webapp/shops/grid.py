"""The shop page's products (category chips and product cards), rendered once per catalog state.

Rendering 50 product cards (a macro, three url_for and a few translations each) and loading the
50 products as ORM objects was most of a shop page's time (bench/test_pages.py). What the
fragment shows depends only on:

- the shop's published products, as the cards show them: id, title, description, price, stock,
  photo, category and low-stock level (one light query returns exactly these columns);
- the category chosen, the page's language, whether the visitor may buy (nobody signed in, or a
  buyer: the cards carry a 购买 button) and the script root the links are built under.

That is the cache key, so any sale, edit, new photo or product going off sale makes a new key:
nothing to invalidate, never a stale card, and the same in every process. Nothing per user is
inside (no name, no cart, no CSRF token: those are in the page around it). Entries live in the
app (a small LRU per process); a debug app with template auto-reload renders every time.
Search keeps its results fragment through `cached` the same way (webapp/search/routes.py).
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

from webapp.extensions import db
from webapp.models import Product, Role, Shop
from webapp.shops.services import categories_from_counts, published_products

# Every column a product card shows (templates/_macros/cards.html, product_card without shop).
SHOWN = (Product.id, Product.title, Product.description, Product.price_fen, Product.stock,
         Product.image, Product.category, Product.low_stock_at)
MAX_ENTRIES = 256  # about 40 KB each for a 50-product shop


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


def shown_rows(shop: Shop) -> tuple[tuple, ...]:
    """What the cards show of each published product of `shop`, in the page's order (by id)."""
    return tuple(tuple(row) for row in db.session.execute(
        select(*SHOWN).where(Product.shop_id == shop.id, Product.published.is_(True))
        .order_by(Product.id)))


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


def _key(shop: Shop, category: str | None, rows: tuple) -> tuple:
    return ("shop", shop.id, shop.handle, category, *visitor(), rows)


def products_html(shop: Shop, category: str | None) -> Markup:
    """templates/shops/_products.html for `shop` (one category if given), from the cache."""
    reload = current_app.debug or current_app.config.get("TEMPLATES_AUTO_RELOAD")
    if not reload and (html := cache().get(_key(shop, category, shown_rows(shop)))) is not None:
        return html
    # Rendered from the products as loaded now, and kept under the key of exactly what they
    # show (a sale between the two queries must not file new stock under the old key).
    products = published_products(shop)
    rows = tuple(tuple(getattr(p, column.key) for column in SHOWN) for p in products)
    counts: dict[str, int] = {}
    for product in products:
        counts[product.category] = counts.get(product.category, 0) + 1
    html = Markup(render_template(
        "shops/_products.html", shop=shop, category=category,
        categories=categories_from_counts(counts),
        products=[p for p in products if not category or p.category == category]))
    if not reload:
        cache().put(_key(shop, category, rows), html)
    return html
