"""opening hours, as soon as possible, pickup and busy mode

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 12:50:00

Reviewed, hand-written (issue 21). The shop's free-text `opening_hours` becomes structured
hours (webapp/shops/hours.py): `weekly_hours` (seven days from Monday joined by "|", each "" or
up to two "HH:MM-HH:MM" ranges) and `closed_days`. What the free text says is carried over where
it reads as hours: every time range in it ("8:00–20:00", "08:00-12:00、14:00-18:00"), on the
days it names ("每天"/"每日", "周一至周六", "周一到周五", "周六、周日"; no days named = every
day), less the days it says are off ("周一休息"). Text that does not read that way leaves the
hours unset, which means always open, as every shop was. A downgrade writes the hours back as
text ("周一 09:00-21:00; ..."), so nothing a merchant set is lost either way.
Also the shop's location (lat, lng), preparation minutes, busy mode (busy, busy_extra_minutes,
busy_auto_orders), auto_accept; and order.fulfilment ("window" for every existing order).
Columns are added and dropped in place (SQLite 3.35+ drops a column without copying "shop" or
"order", which other tables point at; as 0014 and 0019 do).
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

SHOP = sa.table('shop', sa.column('id', sa.Integer), sa.column('opening_hours', sa.String),
                sa.column('weekly_hours', sa.String))
DAYS = "一二三四五六日"
_TIME = r"(\d{1,2})[:：](\d{2})"
_RANGE = re.compile(_TIME + r"\s*[-–—~～至到]\s*" + _TIME)
_SPAN = re.compile(r"(?:周|星期)([一二三四五六日天])\s*[至到\-–~～]\s*(?:周|星期)?([一二三四五六日天])")
_ONE = re.compile(r"(?:周|星期)([一二三四五六日天])")
_OFF = re.compile(r"((?:(?:周|星期)[一二三四五六日天][、,，和及]?)+)\s*(?:休息|休|闭店|不营业|关门)")


def _day(char: str) -> int:
    return DAYS.index("日" if char == "天" else char)


def _days_named(text: str) -> set[int]:
    days = set()
    for first, last in _SPAN.findall(text):
        a, b = _day(first), _day(last)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    text = _SPAN.sub("", text)
    days.update(_day(c) for c in _ONE.findall(text))
    return days


def read_free_text(text: str) -> str:
    """The free text's hours as `weekly_hours`, or "" where it does not read as hours."""
    text = (text or "").strip()
    off = set()
    for group in _OFF.findall(text):
        off |= _days_named(group)
    rest = _OFF.sub("", text)
    ranges = []
    for h1, m1, h2, m2 in _RANGE.findall(rest):
        start, end = int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)
        if int(h1) > 23 or int(m1) > 59 or int(m2) > 59 or end > 24 * 60 or end <= start:
            return ""  # 22:00-02:00 and other shapes the form would not take: left unset
        ranges.append((start, end))
    ranges = sorted(set(ranges))
    if not ranges and not off:
        return ""
    if len(ranges) > 2 or any(a[1] > b[0] for a, b in zip(ranges, ranges[1:])):
        return ""
    if not ranges:  # "周一休息" alone: open all day otherwise
        ranges = [(0, 24 * 60)]
    named = _days_named(_RANGE.sub("", rest)) or set(range(7))
    day = ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in ranges)
    return "|".join(day if d in named and d not in off else "" for d in range(7))


def write_free_text(weekly: str) -> str:
    """`weekly_hours` as text, days with the same hours run together: "周一至周六 08:00-20:00;
    周日 休息" (the old column holds 100 characters)."""
    days = (weekly or "").split("|")
    if len(days) != 7:
        return ""
    parts, start = [], 0
    for day in range(1, 8):
        if day < 7 and days[day] == days[start]:
            continue
        named = f"周{DAYS[start]}" + (f"至周{DAYS[day - 1]}" if day - 1 > start else "")
        parts.append(f"{named} {days[start] or '休息'}")
        start = day
    return "; ".join(parts)[:100]


def upgrade():
    # Added in place (ALTER TABLE ... ADD COLUMN): a batch copy of "shop" would trip the
    # foreign keys of the rows that point at it.
    for column in (
            sa.Column('weekly_hours', sa.String(length=200), nullable=False, server_default=''),
            sa.Column('closed_days', sa.Text(), nullable=False, server_default=''),
            sa.Column('lat', sa.Double(), nullable=True),
            sa.Column('lng', sa.Double(), nullable=True),
            sa.Column('prep_minutes', sa.Integer(), nullable=False, server_default='15'),
            sa.Column('busy', sa.Boolean(), nullable=False, server_default=sa.false()),
            sa.Column('busy_extra_minutes', sa.Integer(), nullable=False, server_default='20'),
            sa.Column('busy_auto_orders', sa.Integer(), nullable=False, server_default='0'),
            sa.Column('auto_accept', sa.Boolean(), nullable=False, server_default=sa.false())):
        op.add_column('shop', column)
    op.add_column('order', sa.Column('fulfilment', sa.String(length=10), nullable=False,
                                     server_default='window'))
    connection = op.get_bind()
    for shop_id, text in connection.execute(sa.select(SHOP.c.id, SHOP.c.opening_hours)).all():
        weekly = read_free_text(text)
        if weekly:
            connection.execute(SHOP.update().where(SHOP.c.id == shop_id)
                               .values(weekly_hours=weekly))
    op.drop_column('shop', 'opening_hours')


def downgrade():
    op.add_column('shop', sa.Column('opening_hours', sa.String(length=100), nullable=False,
                                    server_default=''))
    connection = op.get_bind()
    for shop_id, weekly in connection.execute(sa.select(SHOP.c.id, SHOP.c.weekly_hours)).all():
        if weekly:
            connection.execute(SHOP.update().where(SHOP.c.id == shop_id)
                               .values(opening_hours=write_free_text(weekly)))
    op.drop_column('order', 'fulfilment')
    for name in ('auto_accept', 'busy_auto_orders', 'busy_extra_minutes', 'busy',
                 'prep_minutes', 'lng', 'lat', 'closed_days', 'weekly_hours'):
        op.drop_column('shop', name)
