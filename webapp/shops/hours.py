"""A shop's opening hours (issue 21): up to two ranges a weekday and closed dates, read in the
shops' time zone (TIMEZONE), and whether the shop is open at a moment or when it opens next.

Stored on the shop as text (webapp/models/shop.py): `weekly_hours` is seven days from Monday
joined by "|", each day "" (closed) or one or two "HH:MM-HH:MM" ranges joined by ","; a range
ends at most at 24:00 and never crosses midnight (a shop open 22:00–02:00 enters 22:00–24:00 on
one day and 00:00–02:00 on the next: at midnight it stays open). `weekly_hours` "" means the
shop has not set hours and is always open, as every shop was before. `closed_days` is
"YYYY-MM-DD" dates joined by ",": closed all that local day whatever the weekday says.

The clock is an argument (`now`, aware), so tests move it; the pages pass none (the real time).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext

from webapp.shops.windows import WEEKDAYS

DAY_MINUTES = 24 * 60
MAX_RANGES = 2
MAX_CLOSED_DAYS = 60
# How far ahead the next opening is looked for (a shop closed longer says only "休息中").
LOOK_AHEAD_DAYS = 14
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*$")

Range = tuple[int, int]  # minutes after local midnight: start < end <= 24:00


class HoursError(ValueError):
    """Hours or dates that cannot be read; the message is for the merchant's form."""


def zone() -> ZoneInfo:
    """The shops' time zone: hours, closed dates and windows are all in it."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def parse_day(text: str) -> list[Range]:
    """"09:00-14:00,17:00-24:00" -> [(540, 840), (1020, 1440)]; "" -> [] (closed)."""
    ranges = []
    for part in filter(None, (p.strip() for p in (text or "").replace("，", ",").split(","))):
        match = _RANGE.match(part)
        if match is None:
            raise HoursError(part)
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise HoursError(part)
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end <= start:  # 22:00-02:00: split over two days instead
            raise HoursError(part)
        ranges.append((start, end))
    ranges.sort()
    if len(ranges) > MAX_RANGES or any(a[1] > b[0] for a, b in zip(ranges, ranges[1:])):
        raise HoursError(text)
    return ranges


def parse_week(text: str) -> list[list[Range]] | None:
    """The stored `weekly_hours` -> seven days of ranges from Monday, or None (not set)."""
    if not (text or "").strip():
        return None
    days = text.split("|")
    if len(days) != 7:
        raise HoursError(text)
    return [parse_day(day) for day in days]


def minutes_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_text(ranges: list[Range]) -> str:
    """[(540, 1260)] -> "09:00-21:00" (the stored and the form's spelling of a day)."""
    return ",".join(f"{minutes_text(a)}-{minutes_text(b)}" for a, b in ranges)


def week_text(week: list[list[Range]] | None) -> str:
    return "" if week is None else "|".join(day_text(day) for day in week)


def parse_closed(text: str) -> list[date]:
    """"2027-01-01, 2027-02-17" (also one a line) -> the dates, sorted, without repeats."""
    found = set()
    for part in re.split(r"[\s,，]+", text or ""):
        if not part:
            continue
        try:
            found.add(date.fromisoformat(part))
        except ValueError:
            raise HoursError(part) from None
    if len(found) > MAX_CLOSED_DAYS:
        raise HoursError(text)
    return sorted(found)


@dataclass(frozen=True)
class Hours:
    week: list[list[Range]] | None
    closed: frozenset[date]

    @classmethod
    def of(cls, shop) -> "Hours":
        """A shop's stored hours; text that does not read (never stored by the form) counts
        as not set rather than failing a buyer's page."""
        try:
            week = parse_week(shop.weekly_hours)
        except HoursError:
            week = None
        try:
            closed = frozenset(parse_closed(shop.closed_days))
        except HoursError:
            closed = frozenset()
        return cls(week, closed)

    @property
    def always_open(self) -> bool:
        return self.week is None and not self.closed

    def closed_ahead(self, now: datetime | None = None, n: int = 6) -> list[date]:
        """The next `n` closed dates from today (the shop page lists them)."""
        today = (now or datetime.now(UTC)).astimezone(zone()).date()
        return [day for day in sorted(self.closed) if day >= today][:n]

    def ranges_on(self, day: date) -> list[Range]:
        if day in self.closed:
            return []
        return [(0, DAY_MINUTES)] if self.week is None else self.week[day.weekday()]

    def is_open(self, now: datetime) -> bool:
        """Open at `now` (aware, any zone)."""
        local = now.astimezone(zone())
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.ranges_on(local.date()))

    def next_opening(self, now: datetime) -> datetime | None:
        """The first local moment after `now` when the shop opens (it is closed at `now`), or
        None if not within LOOK_AHEAD_DAYS."""
        tz = zone()
        local = now.astimezone(tz)
        for offset in range(LOOK_AHEAD_DAYS + 1):
            day = local.date() + timedelta(days=offset)
            for start, _end in self.ranges_on(day):
                moment = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(
                    minutes=start)
                if moment > local:
                    return moment
        return None


@dataclass(frozen=True)
class OpenState:
    open: bool
    opens_at: datetime | None  # local; when closed


def open_state(shop, now: datetime | None = None) -> OpenState:
    """Whether `shop` takes orders for now (ASAP, pickup), and when it opens next if not."""
    now = now or datetime.now(UTC)
    hours = Hours.of(shop)
    if hours.is_open(now):
        return OpenState(True, None)
    return OpenState(False, hours.next_opening(now))


def week_summary(week: list[list[Range]] | None) -> list[str]:
    """The shop page's hours: days with the same hours run together, "周一至周五 09:00–21:00",
    "周日 休息"; [] when not set."""
    if week is None:
        return []
    lines, start = [], 0
    for day in range(1, 8):
        if day < 7 and week[day] == week[start]:
            continue
        days = str(WEEKDAYS[start]) if day - 1 == start else gettext(
            "%(first)s至%(last)s", first=WEEKDAYS[start], last=WEEKDAYS[day - 1])
        hours = " ".join(f"{minutes_text(a)}–{minutes_text(b)}" for a, b in week[start]) \
            or gettext("休息")
        lines.append(f"{days} {hours}")
        start = day
    return lines
