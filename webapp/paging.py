"""Keyset pagination: every list that grows with data is read a page at a time, after a cursor.

A page is the first `size` rows of a query ordered by a key of columns that ends in a unique one
(usually the id), after the last row the reader saw. The next page's cursor holds that row's key
values, so reading a page costs O(page) with an index on the key, however deep the reader has
scrolled (no OFFSET scan), and rows added or removed between two pages never shift another row
into or out of a page: nothing is repeated or lost.

    page = paging.keyset(select(Order).where(...), (Key(Order.id, descending=True),),
                         after=paging.cursor_arg(), size=20)
    page.items       # at most 20 rows (entities, or Row objects for a column select)
    page.next        # the cursor of the next page, or None when this was the last

The cursor travels in the URL (`?after=…`) as URL-safe base64 of a JSON list. It is not secret and
not signed: it only says where to continue, and the query around it still decides what the
reader may see. A cursor that does not decode, or does not fit the key, is a 400 with a message
(`cursor_arg`), never a 500.
"""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import abort, request
from flask_babel import gettext as _
from sqlalchemy import and_, or_
from sqlalchemy.sql import Select

from webapp.extensions import db

MAX_CURSOR = 512  # characters; a key of a few columns is far shorter


@dataclass(frozen=True)
class Key:
    """One column of a page's order. `value` reads it from a result item (an entity or a Row);
    by default the attribute named after the column's key."""

    column: Any
    descending: bool = False
    value: Callable[[Any], Any] | None = None

    def of(self, item) -> Any:
        if self.value is not None:
            return self.value(item)
        return getattr(item, self.column.key)


@dataclass(frozen=True)
class Page:
    items: list
    next: str | None


def encode(values: Sequence) -> str:
    """The cursor for a key's values (ints, strings, booleans, None, dates and datetimes)."""
    plain = [{"t": v.isoformat()} if isinstance(v, datetime)
             else {"d": v.isoformat()} if isinstance(v, date) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, length: int) -> tuple:
    """The key values in `cursor`; ValueError when it is not one this module wrote for a key of
    `length` columns."""
    if len(cursor) > MAX_CURSOR:
        raise ValueError("cursor too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        plain = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError("not a cursor") from error
    if not isinstance(plain, list) or len(plain) != length:
        raise ValueError("cursor does not fit the key")
    values = []
    for value in plain:
        if isinstance(value, dict) and len(value) == 1 and "t" in value:
            value = datetime.fromisoformat(str(value["t"]))
        elif isinstance(value, dict) and len(value) == 1 and "d" in value:
            value = date.fromisoformat(str(value["d"]))
        elif not (value is None or isinstance(value, (int, float, str, bool))):
            raise ValueError("not a cursor value")
        values.append(value)
    return tuple(values)


def cursor_arg(length: int, name: str = "after") -> tuple | None:
    """The key values of the request's `?after=` cursor, None when there is none; a cursor that
    does not decode into `length` values is a 400 with a message."""
    cursor = request.args.get(name, "")
    if not cursor:
        return None
    try:
        return decode(cursor, length)
    except ValueError:
        abort(400, description=_("页码参数无效，请从第一页重新浏览。"))


def _fits(key: Key, value) -> bool:
    """Tell whether a cursor value can stand beside the key's column in a comparison."""
    try:
        kind = key.column.type.python_type
    except (AttributeError, NotImplementedError):
        return True
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63
    if kind is datetime:
        return isinstance(value, datetime) and value.tzinfo is None
    if kind is str:
        return isinstance(value, str) and "\x00" not in value
    return isinstance(value, kind)


def cursor_of(keys: Sequence[Key], name: str = "after") -> tuple | None:
    """`cursor_arg` for a key: each value must also be of its column's type (an int for an id,
    a naive datetime for a timestamp), so a cursor made up by hand is a 400 with a message rather
    than a database error."""
    values = cursor_arg(len(keys), name)
    if values is not None and not all(_fits(k, v) for k, v in zip(keys, values, strict=True)):
        abort(400, description=_("页码参数无效，请从第一页重新浏览。"))
    return values


def after_clause(keys: Sequence[Key], values: Sequence):
    """Rows that come after `values` in the order of `keys`: (a > x) OR (a = x AND b > y) …,
    each comparison turned for a descending column. Key columns must not be NULL."""
    branches = []
    for depth, key in enumerate(keys):
        equal = [k.column == v for k, v in zip(keys[:depth], values[:depth], strict=True)]
        beyond = key.column < values[depth] if key.descending else key.column > values[depth]
        branches.append(and_(*equal, beyond))
    return or_(*branches)


def order_by(keys: Sequence[Key]) -> list:
    return [key.column.desc() if key.descending else key.column.asc() for key in keys]


def keyset(query: Select, keys: Sequence[Key], after: Sequence | None, size: int,
           scalars: bool = True) -> Page:
    """One page of `query` in the order of `keys`, after the row whose key is `after`.
    `scalars`: the query selects one entity (items are entities) rather than columns (Rows)."""
    if after is not None:
        query = query.where(after_clause(keys, after))
    query = query.order_by(*order_by(keys)).limit(size + 1)
    result = db.session.scalars(query) if scalars else db.session.execute(query)
    items = list(result.unique() if scalars else result)
    if len(items) <= size:
        return Page(items, None)
    items = items[:size]
    return Page(items, encode([key.of(items[-1]) for key in keys]))
