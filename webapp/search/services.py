"""Search across published products and active shops, for Chinese text of any length.

A query is cut at whitespace into terms; every term must appear (as a substring, case-insensitive)
in the product's title, description or shop name. Chinese has no spaces between words, so
substring matching is the search: "橙" finds "赣南脐橙 5 斤装".

- SQLite: terms of three or more characters go through `product_search`, an FTS5 table with the
  trigram tokenizer (a phrase of three or more characters matches any substring). Trigrams cannot
  match one or two characters, so shorter terms use `LIKE '%term%'` with `%`, `_` and `\\`
  escaped. The table holds only published products of active shops; triggers on `product` and
  `shop` keep it in step (see SQLITE_INDEX). Shops are few, so shop results always use LIKE.
- PostgreSQL: `ILIKE '%term%'` on both, served by pg_trgm GIN indexes on product.title,
  product.description and shop.name (migration 0003). One union per term lets each branch use its
  own index; short terms are correct too, only without the index's help.

Either way the query itself checks `published` and the shop's status, so the index only ever
narrows the search: a stale row could not show a suspended shop.

Where the index comes from: migration 0003 builds it (and fills it from existing rows). Tests
and tools that build the schema with `db.create_all()` run no migrations, so an `after_create`
hook on the metadata calls `ensure_index`, which creates the same table and triggers when they
are missing. One code path then serves both; tests/search checks that the migration and
`ensure_index` produce the same schema.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import and_, case, event, or_, select, union
from sqlalchemy.orm import aliased, contains_eager

from webapp.extensions import db
from webapp.models import Product, Shop, ShopStatus
from webapp.shops.grid import SHOWN

PRODUCT_LIMIT = 20
SHOP_LIMIT = 10
MAX_QUERY = 100  # characters; longer than any title, and a bound on the work one request asks
FTS_MIN = 3  # the trigram tokenizer matches nothing shorter
FTS_TABLE = "product_search"
# FTS5 keeps an index in shadow tables named after the virtual table.
SQLITE_TABLES = frozenset({FTS_TABLE} | {f"{FTS_TABLE}_{shadow}" for shadow in
                                         ("data", "idx", "content", "docsize", "config")})
PG_INDEXES = ("ix_product_title_trgm", "ix_product_description_trgm", "ix_shop_name_trgm")
ESCAPE = "\\"

# The current index. Migration 0003 keeps its own frozen copy (a migration must not change when
# this does); tests/search/test_index.py compares the two schemas. Only stock changes on every
# sale, and `UPDATE OF` keeps those updates away from the index.
SQLITE_INDEX = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "title, description, shop_name, tokenize = 'trigram')",
    f"""CREATE TRIGGER {FTS_TABLE}_product_insert AFTER INSERT ON product BEGIN
  INSERT INTO {FTS_TABLE} (rowid, title, description, shop_name)
  SELECT new.id, new.title, new.description, shop.name FROM shop
  WHERE shop.id = new.shop_id AND new.published AND shop.status = 'active';
END""",
    f"""CREATE TRIGGER {FTS_TABLE}_product_update
AFTER UPDATE OF id, shop_id, title, description, published ON product BEGIN
  DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
  INSERT INTO {FTS_TABLE} (rowid, title, description, shop_name)
  SELECT new.id, new.title, new.description, shop.name FROM shop
  WHERE shop.id = new.shop_id AND new.published AND shop.status = 'active';
END""",
    f"""CREATE TRIGGER {FTS_TABLE}_product_delete AFTER DELETE ON product BEGIN
  DELETE FROM {FTS_TABLE} WHERE rowid = old.id;
END""",
    f"""CREATE TRIGGER {FTS_TABLE}_shop_update AFTER UPDATE OF id, name, status ON shop BEGIN
  DELETE FROM {FTS_TABLE} WHERE rowid IN (SELECT id FROM product WHERE shop_id = old.id);
  INSERT INTO {FTS_TABLE} (rowid, title, description, shop_name)
  SELECT product.id, product.title, product.description, new.name FROM product
  WHERE product.shop_id = new.id AND product.published AND new.status = 'active';
END""",
    f"""CREATE TRIGGER {FTS_TABLE}_shop_delete AFTER DELETE ON shop BEGIN
  DELETE FROM {FTS_TABLE} WHERE rowid IN (SELECT id FROM product WHERE shop_id = old.id);
END""",
)
SQLITE_FILL = (
    f"INSERT INTO {FTS_TABLE} (rowid, title, description, shop_name) "
    "SELECT product.id, product.title, product.description, shop.name "
    "FROM product JOIN shop ON shop.id = product.shop_id "
    "WHERE product.published AND shop.status = 'active'"
)


def is_index_object(name: str | None, type_: str) -> bool:
    """True for the search index's own tables and indexes, which no model describes."""
    return ((type_ == "table" and name in SQLITE_TABLES)
            or (type_ == "index" and name in PG_INDEXES))


def include_name(name: str | None, type_: str, parent_names) -> bool:
    """Alembic filter: leave the search index to migration 0003 (autogenerate would drop it)."""
    return not is_index_object(name, type_)


def ensure_index(connection) -> bool:
    """Create and fill the SQLite search index if it is missing; True if it was created."""
    if connection.dialect.name != "sqlite":
        return False
    found = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (FTS_TABLE,)).first()
    if found:
        return False
    for statement in SQLITE_INDEX:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql(SQLITE_FILL)
    return True


@event.listens_for(db.metadata, "after_create")
def _index_after_create_all(target, connection, **kw) -> None:
    ensure_index(connection)


@event.listens_for(db.metadata, "before_drop")
def _drop_index_before_drop_all(target, connection, **kw) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")


@dataclass(frozen=True)
class Results:
    query: str = ""
    products: list[Product] = field(default_factory=list)
    shops: list[Shop] = field(default_factory=list)
    more_products: bool = False
    problem: str = ""

    @property
    def empty(self) -> bool:
        return not self.products and not self.shops


def shown(results: Results) -> tuple:
    """Everything search/_results.html shows of `results`: the key its HTML is kept under."""
    return (results.query, results.problem, results.more_products,
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


def search(q: str) -> Results:
    """Find published products of active shops, and active shops, matching every term of `q`."""
    query = clean(q)
    if not query:
        return Results()
    if len(query) > MAX_QUERY:
        return Results(query=query, problem=_("搜索词太长了，请精简到 %(n)s 个字以内。", n=MAX_QUERY))
    terms = list(dict.fromkeys(query.split()))
    dialect = db.session.get_bind().dialect.name
    products = list(db.session.scalars(_products(terms, dialect).limit(PRODUCT_LIMIT + 1)))
    shops = list(db.session.scalars(_shops(terms).limit(SHOP_LIMIT)))
    return Results(query=query, products=products[:PRODUCT_LIMIT], shops=shops,
                   more_products=len(products) > PRODUCT_LIMIT)


def like_pattern(term: str) -> str:
    """`%term%` with LIKE's own characters taken literally."""
    for char in (ESCAPE, "%", "_"):
        term = term.replace(char, ESCAPE + char)
    return f"%{term}%"


def _like(column, term: str):
    return column.ilike(like_pattern(term), escape=ESCAPE)


def fts_phrase(term: str) -> str:
    """`term` as one FTS5 phrase: quotes doubled, so AND, NOT, * or : are just text."""
    return '"' + term.replace('"', '""') + '"'


def _products(terms: list[str], dialect: str) -> sa.Select:
    stmt = (select(Product).join(Product.shop).options(contains_eager(Product.shop))
            .where(Product.published.is_(True), Shop.status == ShopStatus.ACTIVE))
    if dialect == "sqlite":
        long_terms = [t for t in terms if len(t) >= FTS_MIN]
        if long_terms:
            index = sa.table(FTS_TABLE, sa.column("rowid"))
            match = " AND ".join(fts_phrase(t) for t in long_terms)
            stmt = stmt.where(Product.id.in_(
                select(index.c.rowid).where(sa.literal_column(FTS_TABLE).match(match))))
        for term in terms:
            if len(term) < FTS_MIN:
                stmt = stmt.where(or_(_like(Product.title, term), _like(Product.description, term),
                                      _like(Shop.name, term)))
    else:
        for term in terms:
            stmt = stmt.where(Product.id.in_(_trigram_candidates(term)))
    rank = case((and_(*[_like(Product.title, t) for t in terms]), 0),
                (and_(*[_like(Shop.name, t) for t in terms]), 1), else_=2)
    return stmt.order_by(rank, Product.created_at.desc(), Product.id.desc())


def _trigram_candidates(term: str) -> sa.CompoundSelect:
    """Ids of products with `term` in title, description or shop name, one index per branch."""
    product, shop = aliased(Product), aliased(Shop)
    return union(
        select(product.id).where(_like(product.title, term)),
        select(product.id).where(_like(product.description, term)),
        select(product.id).join(shop, shop.id == product.shop_id).where(_like(shop.name, term)),
    )


def _shops(terms: list[str]) -> sa.Select:
    stmt = select(Shop).where(Shop.status == ShopStatus.ACTIVE)
    for term in terms:
        stmt = stmt.where(or_(_like(Shop.name, term), _like(Shop.description, term)))
    rank = case((and_(*[_like(Shop.name, t) for t in terms]), 0), else_=1)
    return stmt.order_by(rank, Shop.id)
