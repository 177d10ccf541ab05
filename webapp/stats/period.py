"""The period a merchant asks figures for: the last 7 or 30 days (today included) or a custom
from–to, as whole days in the shops' local time (TIMEZONE, as delivery windows use), and the
UTC instants that bound it (timestamps are stored as naive UTC)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _

from webapp.web import ServiceError

PRESETS = (7, 30)
LONGEST_DAYS = 366
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    zone: ZoneInfo
    preset: str  # "7", "30" or "custom"

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def midnight(self, day: date) -> datetime:
        """The local midnight starting `day`, as naive UTC."""
        local = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    @property
    def start(self) -> datetime:
        return self.midnight(self.first)

    @property
    def end(self) -> datetime:
        """The instant after the period (exclusive)."""
        return self.midnight(self.last + timedelta(days=1))


class BadPeriod(ServiceError):
    """A period that cannot be read: said in words, 400."""


def shop_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def today(zone: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(zone).date()


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadPeriod(_("%(name)s「%(text)s」不是有效日期，请按 年-月-日 填写，例如 2026-03-09。",
                          name=name, text=text[:20])) from None


def parse(args, now: datetime | None = None) -> Period:
    """The period the query string asks for (`period`, `from`, `to`); the last 7 days without one.
    Raises BadPeriod with what is wrong."""
    zone = shop_zone()
    now_day = today(zone, now)
    preset = (args.get("period") or "").strip()
    begin, finish = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if preset in ("", *map(str, PRESETS)) and not (preset == "" and (begin or finish)):
        length = int(preset or PRESETS[0])
        return Period(now_day - timedelta(days=length - 1), now_day, zone, str(length))
    if preset not in ("", "custom"):
        raise BadPeriod(_("时间范围只能是近 7 天、近 30 天或自定义。"))
    if not begin or not finish:
        raise BadPeriod(_("自定义时间范围需要填写开始日期和结束日期。"))
    first, last = _day(begin, _("开始日期")), _day(finish, _("结束日期"))
    if first > last:
        raise BadPeriod(_("开始日期不能晚于结束日期。"))
    if first < EARLIEST or last > now_day:
        raise BadPeriod(_("日期须在 %(earliest)s 到今天（%(today)s）之间。",
                          earliest=EARLIEST.isoformat(), today=now_day.isoformat()))
    if (last - first).days + 1 > LONGEST_DAYS:
        raise BadPeriod(_("时间范围最长 %(n)d 天，请缩短后再查看。", n=LONGEST_DAYS))
    return Period(first, last, zone, "custom")
