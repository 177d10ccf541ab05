"""A naive-UTC timestamp column's day in the shop's zone, as 'YYYY-MM-DD' text, computed by the
database so figures are grouped there (no row comes to Python to be bucketed).

PostgreSQL knows the zones: `timezone(zone, timezone('UTC', at))` is the local wall time. SQLite
knows none: the day is `date(at, '+480 minutes')` with the zone's offset, and where the offset
changes inside the period (summer time) a CASE picks each stretch's offset by the UTC instant
it changed at, found here from Python's zone data."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, literal

from webapp.extensions import db


def _offset_minutes(zone: ZoneInfo, at: datetime) -> int:
    return int(at.replace(tzinfo=UTC).astimezone(zone).utcoffset().total_seconds() // 60)


def _changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[(from this UTC instant, offset in minutes)] over [start, end): the first from `start`."""
    stretches = [(start, _offset_minutes(zone, start))]
    probe = start
    while probe < end:
        step = min(probe + timedelta(hours=6), end)
        if _offset_minutes(zone, step) != stretches[-1][1]:
            low, high = probe, step  # the change lies in (low, high]: halve to the minute
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                if _offset_minutes(zone, mid) == stretches[-1][1]:
                    low = mid
                else:
                    high = mid
            high = high.replace(second=0, microsecond=0)
            stretches.append((high, _offset_minutes(zone, high)))
        probe = step
    return stretches


def _modifier(minutes: int) -> str:
    return f"{minutes:+d} minutes"


def local_day(column, zone: ZoneInfo, start: datetime, end: datetime):
    """`column`'s day in `zone` as 'YYYY-MM-DD', for rows with start <= column < end."""
    if db.engine.dialect.name == "postgresql":
        local = func.timezone(zone.key, func.timezone("UTC", column))
        return func.to_char(local, "YYYY-MM-DD")
    stretches = _changes(zone, start, end)
    if len(stretches) == 1:
        return func.date(column, literal(_modifier(stretches[0][1])))
    whens = [(column < at, _modifier(before)) for (at, _), (_, before)
             in zip(stretches[1:], stretches[:-1], strict=True)]
    return func.date(column, case(*whens, else_=_modifier(stretches[-1][1])))
