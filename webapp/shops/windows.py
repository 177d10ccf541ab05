"""A shop's delivery windows: the two-hour windows a shop may run, the ones it offers a buyer at
checkout (from its lead time ahead, over its next days, in the shops' local time), and reading a
chosen window back. Imports nothing from the app: shop settings, checkout and quotes use it."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

# The windows a shop may offer (local hours, two hours each); the shop ticks the ones it runs.
SLOT_CHOICES = [(7, 9), (9, 11), (11, 13), (13, 15), (15, 17), (17, 19), (19, 21), (21, 23)]
WINDOW_FORMAT = "%Y-%m-%dT%H:%M"
DAY_NAMES = [_l("今天"), _l("明天"), _l("后天")]
WEEKDAYS = [_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日")]


def slot_choices() -> list[SelectChoice]:
    """Every window a shop may tick in its settings: value "9-11", label "09:00–11:00"."""
    return [SelectChoice(f"{a}-{b}", f"{a:02d}:00–{b:02d}:00") for a, b in SLOT_CHOICES]


def parse_slots(text: str) -> list[tuple[int, int]]:
    """"9-11,13-15" -> [(9, 11), (13, 15)]; anything not in SLOT_CHOICES is dropped."""
    slots = []
    for part in (text or "").split(","):
        start, _, end = part.strip().partition("-")
        if start.isdigit() and end.isdigit() and (int(start), int(end)) in SLOT_CHOICES:
            slots.append((int(start), int(end)))
    return sorted(set(slots))


def slot_spans(text: str) -> list[str]:
    """The hours a shop's windows cover, back-to-back ones joined: "9-11,11-13,15-17" ->
    ["09:00–13:00", "15:00–17:00"] (the shop page's delivery hours)."""
    spans: list[list[int]] = []
    for start, end in parse_slots(text):
        if spans and spans[-1][1] == start:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [f"{start:02d}:00–{end:02d}:00" for start, end in spans]


def delivery_windows(shop=None, now: datetime | None = None) -> list[SelectChoice]:
    """The windows `shop` offers from its lead time ahead over its next days, in local time.

    A window's value is "<start>/<end>" (local, WINDOW_FORMAT); a value not in this list, such
    as one that has passed since the form was shown, is refused at checkout.
    """
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    now = now or datetime.now(zone)
    slots = parse_slots(shop.delivery_slots) if shop is not None else SLOT_CHOICES[1:7]
    days = shop.delivery_days if shop is not None else 3
    lead = timedelta(minutes=shop.delivery_lead_minutes if shop is not None else 60)
    language = str(get_locale())
    choices = []
    for offset in range(days):
        day = (now + timedelta(days=offset)).date()
        for start, end in slots:
            begin, value, label = _window(language, zone, day, offset, start, end)
            if begin >= now + lead:
                choices.append(SelectChoice(value, label))
    return choices


def parse_window(value: str) -> tuple[datetime, datetime]:
    """A window value "<start>/<end>" in local time -> (start, end) naive UTC."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    begin, _, finish = value.partition("/")
    start, end = (datetime.strptime(part, WINDOW_FORMAT).replace(tzinfo=zone).astimezone(UTC)
                  .replace(tzinfo=None) for part in (begin, finish))
    return start, end


# Every buyer of a language sees the same windows on a day, so each is worked out once per
# process: the formatted, translated labels were half the cost of building the checkout form.
# Keyed by everything the window depends on; a new day is a new key.
_WINDOWS: dict[tuple, tuple[datetime, str, str]] = {}
_WINDOWS_KEPT = 4096


def _window(language: str, zone: ZoneInfo, day: date, offset: int, start: int,
            end: int) -> tuple[datetime, str, str]:
    """(local start, value, label) of one window; `offset` is the day's distance from today."""
    key = (language, zone.key, day, min(offset, len(DAY_NAMES)), start, end)
    if (kept := _WINDOWS.get(key)) is not None:
        return kept
    name = DAY_NAMES[offset] if offset < len(DAY_NAMES) else WEEKDAYS[day.weekday()]
    begin = datetime(day.year, day.month, day.day, start, tzinfo=zone)
    finish = begin + timedelta(hours=end - start)
    label = gettext("%(day)s %(month)d月%(date)d日 %(start)02d:00–%(end)02d:00", day=name,
                    month=day.month, date=day.day, start=start, end=end)
    value = f"{begin.strftime(WINDOW_FORMAT)}/{finish.strftime(WINDOW_FORMAT)}"
    if len(_WINDOWS) >= _WINDOWS_KEPT:
        _WINDOWS.clear()
    _WINDOWS[key] = kept = (begin, value, label)
    return kept
