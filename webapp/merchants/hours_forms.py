"""The shop's opening hours, closed days, location and busy-mode settings (issue 21)."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FloatField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from webapp.shops.hours import HoursError, day_text, parse_closed, parse_day, parse_week
from webapp.shops.windows import WEEKDAYS
from webapp.web import Form

DAY_FIELDS = [f"day{d}" for d in range(7)]


def _minutes(label, default, top):
    return IntegerField(label, default=default, validators=[
        InputRequired(_l("请填写分钟数")),
        NumberRange(0, top, _l("请填写 0 到 %(top)s 之间的整数", top=top))],
        render_kw={"inputmode": "numeric"})


class HoursSettingsForm(Form):
    """Seven days of hours (one or two ranges, empty = closed; all empty = always open),
    closed dates, the shop's pin, and how long orders take when the shop is busy."""

    day0 = StringField(WEEKDAYS[0])
    day1 = StringField(WEEKDAYS[1])
    day2 = StringField(WEEKDAYS[2])
    day3 = StringField(WEEKDAYS[3])
    day4 = StringField(WEEKDAYS[4])
    day5 = StringField(WEEKDAYS[5])
    day6 = StringField(WEEKDAYS[6])
    closed_days = TextAreaField(_l("休息日（日期）"), validators=[Optional()],
                                render_kw={"placeholder": "2027-02-10, 2027-02-11"})
    prep_minutes = _minutes(_l("备货时间（分钟）"), 15, 240)
    busy_extra_minutes = _minutes(_l("繁忙时多等（分钟）"), 20, 240)
    busy_auto_orders = _minutes(_l("未完成订单达到几单时自动繁忙（0 为不自动）"), 0, 500)
    auto_accept = BooleanField(_l("自动接单（新订单到达即接单）"))
    lat = FloatField(_l("店铺位置纬度"), validators=[
        Optional(), NumberRange(-90, 90, _l("纬度需在 -90 到 90 之间"))],
        render_kw={"inputmode": "decimal"})
    lng = FloatField(_l("店铺位置经度"), validators=[
        Optional(), NumberRange(-180, 180, _l("经度需在 -180 到 180 之间"))],
        render_kw={"inputmode": "decimal"})

    def day_fields(self):
        return [self[name] for name in DAY_FIELDS]

    def weekly_hours(self) -> str:
        """The stored text: "" when every day is left empty (not set: always open)."""
        days = [day_text(parse_day(f.data or "")) for f in self.day_fields()]
        return "" if not any(days) else "|".join(days)

    def closed_text(self) -> str:
        return ",".join(d.isoformat() for d in parse_closed(self.closed_days.data or ""))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for f in self.day_fields():
            try:
                parse_day(f.data or "")
            except HoursError:
                f.errors = [*f.errors, _("请按 09:00-21:00 填写，最多两段，用逗号隔开；"
                                         "跨零点请分在两天（22:00-24:00 与次日 00:00-02:00）")]
                ok = False
        try:
            parse_closed(self.closed_days.data or "")
        except HoursError as error:
            self.closed_days.errors = [*self.closed_days.errors, _(
                "「%(text)s」不是日期：请按 2027-02-10 填写，最多 60 天", text=str(error)[:20])]
            ok = False
        if (self.lat.data is None) != (self.lng.data is None) and not (self.lat.errors
                                                                      or self.lng.errors):
            self.lng.errors = [*self.lng.errors, _("请同时填写纬度和经度，或都留空")]
            ok = False
        return ok


def hours_form_of(shop) -> HoursSettingsForm:
    """The form filled in from the shop as stored."""
    try:
        week = parse_week(shop.weekly_hours)
    except HoursError:
        week = None
    data = {name: day_text(week[d]) if week else "" for d, name in enumerate(DAY_FIELDS)}
    data.update(closed_days=(shop.closed_days or "").replace(",", ", "),
                prep_minutes=shop.prep_minutes, busy_extra_minutes=shop.busy_extra_minutes,
                busy_auto_orders=shop.busy_auto_orders, auto_accept=shop.auto_accept,
                lat=shop.lat, lng=shop.lng)
    return HoursSettingsForm(formdata=None, data=data)
