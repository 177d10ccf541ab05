"""Compare-and-set: one conditional UPDATE decides a change, so a double tap, a second tab or
another process cannot apply it twice (and SQLite never waits on a read-then-write)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import update

from webapp.extensions import db
from webapp.web import Conflict, ServiceError


def update_where(model: Any, *conditions: Any, **values: Any) -> int:
    """`UPDATE model SET values WHERE conditions`; return how many rows it changed.

    The session's loaded objects are not touched: expire or refresh what the caller shows.
    """
    return db.session.execute(
        update(model).where(*conditions).values(**values)
        .execution_options(synchronize_session=False)).rowcount


def compare_and_set(model: Any, *conditions: Any,
                    conflict: str | Callable[[], ServiceError], **values: Any) -> None:
    """Change exactly one row of `model` matching `conditions`, or roll back and refuse.

    `conditions` name the row and the state it is expected in (`Order.id == 7,
    Order.status == "placed"`). When no row matches, the transaction is rolled back and a
    Conflict with the message `conflict` is raised; a callable `conflict` is called after the
    rollback (so it may reload what changed) and returns the error to raise.
    """
    if update_where(model, *conditions, **values) == 1:
        return
    db.session.rollback()
    raise conflict() if callable(conflict) else Conflict(conflict)
