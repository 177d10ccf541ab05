"""Search across published products and active shops, the way buyers write what they want.

A query is cut at whitespace into terms; a product is found when every term matches it (its
title, its title's pinyin or initials, a head noun, a synonym in its category, its description
or its shop's name: webapp/search/query.py). The matching runs over a search key that the app
writes beside each product (webapp/search/keys.py, migration 0011), with plain `LIKE`, so
SQLite and PostgreSQL give the same answers in the same order.

Order: products whose title matches every term first, then those whose shop's name matches the
rest, then description-only matches; within each, on sale (stock > 0) before sold out; then
newest first (id). That order is the keyset of the result pages (webapp/paging.py): the cursor
holds (rank, id), so a page costs the same at any depth and nothing is lost or repeated.
Shops are few: the first page lists those whose name or description holds every term.

The index: the terms are substrings of any length (one Chinese character is a word), and one
term is tried as text, pinyin, initials, a head noun and synonyms at once, so no one index of
the key answers it. A scan of every product's key grew with the catalog (2-4x the cost of a
50-product shop at 5,000 products). Instead each `LIKE` says which tokens a product it matches
must have (characters and pairs of them, pinyin syllables, initials: webapp/search/tokens.py,
table `search_token`, migration 0012), and the products having them, found by index lookups,
plus the products of the shops whose name matches (shops are few: a scan), are the only ones
the `LIKE`s are checked on and ranked. The cost follows the products that hold the term's
pieces, not the catalog. Migration 0011 dropped the FTS5 trigram table (SQLite) and the pg_trgm
indexes (PostgreSQL) that served the old substring search; `include_name` still keeps them out of
autogenerate for databases at 0003–0010.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import and_, case, select
from sqlalchemy.orm import contains_eager

from webapp import paging
from webapp.extensions import db
from webapp.licences.services import sellable
from webapp.models import Product, Shop, ShopStatus
from webapp.search import keys, query, synonyms, tokens
from webapp.shops.grid import SHOWN

PAGE_SIZE = 12  # products per page: about two phone screens of cards (two a row)
SHOP_LIMIT = 10
MAX_QUERY = 100  # characters; longer than any title, and a bound on the work one request asks
MAX_TERMS = 8  # words; each is tried several ways, so this bounds one request's work too
MAX_RANK = 5
FTS_TABLE = "product_search"  # the old index (migrations 0003–0010)
SQLITE_TABLES = frozenset({FTS_TABLE} | {f"{FTS_TABLE}_{shadow}" for shadow in
                                         ("data", "idx", "content", "docsize", "config")})
PG_INDEXES = ("ix_product_title_trgm", "ix_product_description_trgm", "ix_shop_name_trgm")
ESCAPE, like_pattern = query.ESCAPE, query.like_pattern  # the product manager's filter uses them


def is_index_object(name: str | None, type_: str) -> bool:
    """True for the old search index's own tables and indexes, which no model describes."""
    return ((type_ == "table" and name in SQLITE_TABLES)
            or (type_ == "index" and name in PG_INDEXES))


def include_name(name: str | None, type_: str, parent_names) -> bool:
    """Alembic filter: leave the old search index to migrations 0003 and 0011."""
    return not is_index_object(name, type_)


@dataclass(frozen=True)
class Results:
    query: str = ""
    products: list[Product] = field(default_factory=list)
    shops: list[Shop] = field(default_factory=list)
    next: str | None = None  # the cursor of the next page of products
    problem: str = ""
    continued: bool = False  # a page after the first

    @property
    def empty(self) -> bool:
        return not self.products and not self.shops


def shown(results: Results) -> tuple:
    """Everything search/_results.html shows of `results`: the key its HTML is kept under."""
    return (results.query, results.problem, results.next, results.continued,
            tuple((*(getattr(p, column.key) for column in SHOWN), p.shop.handle, p.shop.name)
                  for p in results.products),
            tuple((s.id, s.handle, s.name, s.description, s.address, s.logo)
                  for s in results.shops))


def clean(q: str) -> str:
    """The query as searched: control characters become spaces, invisible ones go, runs of
    whitespace become one space (a NUL would make PostgreSQL refuse the whole query)."""
    kept = []
    for char in q:
        category = unicodedata.category(char)
        if category == "Cc":
            kept.append(" ")
        elif category != "Cf":
            kept.append(char)
    return " ".join("".join(kept).split())


def cursor() -> tuple | None:
    """The `?after=` cursor: (rank, id), or a 400 with a message."""
    after = paging.cursor_arg(2)
    if after is not None and not (all(type(v) is int for v in after)
                                  and 0 <= after[0] <= MAX_RANK and 0 < after[1] < 2**53):
        abort(400, description=_("页码参数无效，请从第一页重新浏览。"))
    return after


def problem_of(query_text: str) -> str:
    if len(query_text) > MAX_QUERY:
        return _("搜索词太长了，请精简到 %(n)s 个字以内。", n=MAX_QUERY)
    if len(query_text.split()) > MAX_TERMS:
        return _("搜索词太多了，请用不超过 %(n)s 个词。", n=MAX_TERMS)
    return ""


def search(q: str, after: tuple | None = None) -> Results:
    """One page of published products of active shops matching every term of `q` (after the
    cursor `after`), and on the first page the active shops that match."""
    shown_query = clean(q)
    if not shown_query:
        return Results()
    if problem := problem_of(shown_query):
        return Results(query=shown_query, problem=problem)
    texts = list(dict.fromkeys(keys.normal(shown_query).split()))
    terms = [query.term(t, synonyms.alternatives(t)) for t in texts]
    statement, rank = _products(terms)
    page = paging.keyset(statement, (paging.Key(rank, value=lambda row: row.rank),
                                     paging.Key(Product.id, descending=True,
                                                value=lambda row: row.Product.id)),
                         after=after, size=PAGE_SIZE, scalars=False)
    shops = [] if after is not None else list(db.session.scalars(_shops(texts).limit(SHOP_LIMIT)))
    return Results(query=shown_query, products=[row.Product for row in page.items], shops=shops,
                   next=page.next, continued=after is not None)


def _products(terms: list[query.Term]) -> tuple[sa.Select, sa.ColumnElement]:
    """Products matching every term, and their rank. The products that have a term's tokens
    (tokens.holding) or are sold by a shop it names are the only ones checked: read from the
    tokens of the longest term no shop's name holds (the rarest, as a rule)."""
    tier = case((and_(*(t.title for t in terms)), 0),
                (and_(*(t.title | t.shop for t in terms)), 2), else_=4)
    rank = tier + case((Product.stock > 0, 0), else_=1)
    named = dict(zip((t.text for t in terms), _named_shops(terms)))
    checked, source = list(terms), Product.__table__
    if unnamed := [t for t in terms if not named[t.text]]:
        first = max(unnamed, key=lambda t: len(t.text))
        driving = tokens.holding(first.need).subquery("candidate")
        source = driving.join(Product, Product.id == driving.c.product_id)
        checked.remove(first)
    statement = (select(Product, rank.label("rank"))
                 .select_from(source.join(Shop, Shop.id == Product.shop_id))
                 .options(contains_eager(Product.shop)))
    return statement.where(
        *(sa.or_(Product.id.in_(tokens.holding(t.need)), Product.shop_id.in_(named[t.text]))
          for t in checked),
        Product.published.is_(True), Shop.status == ShopStatus.ACTIVE, sellable(),
        *(t.anywhere for t in terms)), rank


def _named_shops(terms: list[query.Term]) -> list[list[int]]:
    """For each term, the active shops whose name matches it (shops are few: a scan)."""
    rows = db.session.execute(
        select(Shop.id, *(t.shop.label(f"term_{i}") for i, t in enumerate(terms)))
        .where(Shop.status == ShopStatus.ACTIVE, sa.or_(*(t.shop for t in terms)))).all()
    return [[row.id for row in rows if row[i + 1]] for i in range(len(terms))]


def _shops(texts: list[str]) -> sa.Select:
    stmt = select(Shop).where(Shop.status == ShopStatus.ACTIVE)
    for text in texts:
        stmt = stmt.where(sa.or_(Shop.name.ilike(like_pattern(text), escape=query.ESCAPE),
                                 Shop.description.ilike(like_pattern(text), escape=query.ESCAPE)))
    rank = case((and_(*(Shop.name.ilike(like_pattern(t), escape=query.ESCAPE) for t in texts)), 0),
                else_=1)
    return stmt.order_by(rank, Shop.id)
