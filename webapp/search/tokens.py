"""The search index: which products can match a term, found by index lookups instead of a scan.

Table `search_token` (primary key (token, product_id)) holds, for each product, the tokens of
its search key (webapp/search/keys.py), each a namespace letter and a piece of the key:

- `t` + each character and each pair of adjacent characters of the title without whitespace;
- `b` + the same of the description;
- `p` + each syllable of the title's pinyin (and `p*` beside a syllable that is not in
  pinyin.SYLLABLES, so a typed prefix's list of syllables never misses it);
- `i` + each letter and each pair of adjacent letters of the title's initials.

Every `LIKE` of webapp/search/query.py comes with what it *needs* (`Need`): alternatives, each
a set of tokens that a product matching the `LIKE` has all of (a term of two characters or more
needs its pairs, a single character itself; pinyin needs its finished syllables, a lone unfinished
one any syllable it starts). So the products holding every token of some alternative are a
superset of the matches: search checks the `LIKE`s and ranks only those (`candidates`), which
costs in proportion to the products that hold the term's pieces, not to the catalog.

Kept in step with the key: the ORM events below rewrite a product's tokens on insert and on any
change of its title or description; `fill` writes them for existing rows (migration 0012);
bench/growth.py, which writes products with Core, calls `write`. A deleted product's tokens go
with it (ON DELETE CASCADE).
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event

from webapp.models import Product, SearchToken
from webapp.search import keys, pinyin

TITLE, BODY, PINYIN, INITIALS = "t", "b", "p", "i"
UNKNOWN_SYLLABLE = PINYIN + "*"
Need = frozenset[frozenset[str]]  # alternatives, each the tokens a match has all of
BATCH = 1000  # rows per executemany
TABLE = SearchToken.__table__


def grams(namespace: str, text: str) -> set[str]:
    """Each character and each pair of adjacent characters of `text`, in `namespace`."""
    return {namespace + text[i:i + n] for n in (1, 2) for i in range(len(text) - n + 1)}


def of(title: str, description: str | None) -> set[str]:
    """The tokens of a product titled `title`, described by `description`."""
    sounds = [s for word in keys.words(title) if keys.IS_HAN.match(word)
              for s in pinyin.syllables(word)]
    found = grams(TITLE, keys.compact(title)) | grams(BODY, keys.compact(description))
    found |= {PINYIN + s for s in sounds}
    if any(s not in pinyin.SYLLABLES for s in sounds):
        found.add(UNKNOWN_SYLLABLE)
    initials = keys.title_keys(title)["search_initials"].split("\n")[0]
    return found | grams(INITIALS, initials)


# ---- what a LIKE needs ---------------------------------------------------------------------

def text_need(namespace: str, text: str) -> Need:
    """`text` somewhere in a namespace: its pairs, or the character alone."""
    if len(text) < 2:
        return frozenset({frozenset({namespace + text})})
    return frozenset({frozenset(namespace + text[i:i + 2] for i in range(len(text) - 1))})


def pinyin_need(syllables: tuple[str, ...], finished: bool) -> Need:
    """These syllables in a row in the title's pinyin, the last perhaps only begun (unless
    `finished`): the finished ones, or, alone and unfinished, any syllable it starts."""
    done = syllables if finished else syllables[:-1]
    if done:
        return frozenset({frozenset(PINYIN + s for s in done)})
    begun = syllables[-1]
    return frozenset({frozenset({UNKNOWN_SYLLABLE})} | {
        frozenset({PINYIN + s}) for s in pinyin.SYLLABLES if s.startswith(begun)})


def union(needs: Iterable[Need]) -> Need:
    """Any of `needs`, without an alternative that holds another (it adds no product)."""
    every = set().union(*needs)
    return frozenset(a for a in every if not any(b < a for b in every))


def holding(need: Need) -> sa.Select:
    """The ids (`product_id`) of the products that have every token of an alternative of
    `need`: one grouped read of the tokens' entries (one select, not a union, so that both
    databases' planners see a small set to start a search from)."""
    singles = sorted(t for alternative in need if len(alternative) == 1 for t in alternative)
    several = sorted(sorted(a) for a in need if len(a) > 1)
    token = TABLE.c.token
    statement = (sa.select(TABLE.c.product_id)
                 .where(token.in_(sorted(set(singles).union(*several))))
                 .group_by(TABLE.c.product_id))
    if not several:
        return statement
    has = [sa.func.count(sa.case((token.in_(a), 1))) == len(a) for a in several]
    if singles:
        has.append(sa.func.count(sa.case((token.in_(singles), 1))) > 0)
    return statement.having(sa.or_(*has))


# ---- writing -------------------------------------------------------------------------------

def write(connection, products: Iterable[tuple[int, str, str | None]]) -> int:
    """Insert the tokens of (id, title, description) for products that have none yet; the
    number of rows written."""
    rows = [(token, product_id) for product_id, title, description in products
            for token in sorted(of(title or "", description))]
    if connection.dialect.name == "postgresql" and len(rows) > BATCH:
        # Many products at once (a migration's fill, the growth benchmark): PostgreSQL's COPY,
        # in the connection's transaction, takes them in one stream where executemany sends a
        # statement a row (the growth benchmark's data on PostgreSQL: 16 s, 12 s with COPY).
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
                "COPY search_token (token, product_id) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    for start in range(0, len(rows), BATCH):
        connection.execute(TABLE.insert(), [{"token": token, "product_id": product_id}
                                            for token, product_id in rows[start:start + BATCH]])
    return len(rows)


def rewrite(connection, product: Product) -> None:
    connection.execute(TABLE.delete().where(TABLE.c.product_id == product.id))
    write(connection, [(product.id, product.title, product.description)])


@event.listens_for(Product, "after_insert")
def _on_insert(mapper, connection, target: Product) -> None:
    write(connection, [(target.id, target.title, target.description)])


@event.listens_for(Product, "after_update")
def _on_update(mapper, connection, target: Product) -> None:
    state = sa.inspect(target)
    if state.attrs.title.history.has_changes() or state.attrs.description.history.has_changes():
        rewrite(connection, target)


def fill(connection, batch: int = 500) -> int:
    """Write the tokens of every product (migration 0012); the number of products."""
    product = sa.table("product", sa.column("id"), sa.column("title"), sa.column("description"))
    connection.execute(TABLE.delete())
    last, done = 0, 0
    while rows := connection.execute(
            sa.select(product.c.id, product.c.title, product.c.description)
            .where(product.c.id > last).order_by(product.c.id).limit(batch)).all():
        write(connection, [tuple(row) for row in rows])
        last, done = rows[-1].id, done + len(rows)
    return done
