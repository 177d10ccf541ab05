from flask_babel import get_locale, gettext, lazy_gettext as _l
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from wtforms import (
    HiddenField, RadioField, SelectField, StringField, TextAreaField, ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from webapp.models.order import PAYMENT_LABELS, PaymentMethod
from webapp.web import Form

# The windows a shop may offer (local hours, two hours each); the shop ticks the ones it runs.
SLOT_CHOICES = [(7, 9), (9, 11), (11, 13), (13, 15), (15, 17), (17, 19), (19, 21), (21, 23)]
WINDOW_FORMAT = "%Y-%m-%dT%H:%M"
DAY_NAMES = [_l("今天"), _l("明天"), _l("后天")]


def parse_slots(text: str) -> list[tuple[int, int]]:
    """"9-11,13-15" -> [(9, 11), (13, 15)]; anything not in SLOT_CHOICES is dropped."""
    slots = []
    for part in (text or "").split(","):
        start, _, end = part.strip().partition("-")
        if start.isdigit() and end.isdigit() and (int(start), int(end)) in SLOT_CHOICES:
            slots.append((int(start), int(end)))
    return sorted(set(slots))


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


WEEKDAYS = [_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日")]


def _address_label(address) -> str:
    return f"{address.contact_name} {address.mobile} · {address.full_text}"


class CheckoutForm(Form):
    """Checkout of one shop's cart: where, when, how to pay, and a note."""

    address_id = RadioField(_l("收货地址"), coerce=int, validate_choice=False,
                            validators=[InputRequired(_l("请选择收货地址"))])
    window = SelectField(_l("送达时间"), validators=[DataRequired(_l("请选择送达时间"))],
                         validate_choice=False)
    payment_method = RadioField(_l("支付方式"), default=PaymentMethod.COD.value,
                                choices=[SelectChoice(m.value, _l(label)) for m, label in PAYMENT_LABELS.items()],
                                validators=[DataRequired(_l("请选择支付方式"))])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=200)],
                         render_kw={"placeholder": _l("如：放门口、到了打电话")})
    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])

    def __init__(self, *args, shop=None, addresses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.addresses = {a.id: a for a in addresses}
        self.address_id.choices = [SelectChoice(a.id, _address_label(a)) for a in addresses]
        self.window.choices = delivery_windows(shop)

    def validate_address_id(self, field):
        if field.data not in self.addresses:
            raise ValidationError(_l("请选择收货地址"))

    def validate_window(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("该送达时段已不可选，请重新选择"))


class RefuseOrderForm(Form):
    reason = StringField(_l("拒单原因"), validators=[DataRequired(_l("请填写拒单原因")), Length(max=200)])


class SignForm(Form):
    signer_name = StringField(_l("签收人"), validators=[DataRequired(_l("请输入签收人姓名")), Length(max=40)])
    signature = HiddenField(validators=[DataRequired(_l("请在签名区内签名"))])


def inspection_from(form, files, lines) -> tuple[dict, dict[int, dict]]:
    """The buyer's verdict on each line from the sign form: `line-<id>` accepted/rejected,
    `reason-<id>` (REJECT_REASONS), `note-<id>` and `photo-<id>` for a rejected line.

    Returns ({line id: LineCheck}, {line id: what was chosen, with "error" where it is wrong});
    a line the form does not mention counts as accepted (the radio starts there).
    """
    from webapp.orders.services import REJECT_REASONS, LineCheck
    from webapp.uploads import UploadRejected, clean_image

    checks, chosen = {}, {}
    for line in lines:
        verdict = form.get(f"line-{line.id}", "accepted")
        reason = form.get(f"reason-{line.id}", "").strip()
        note = form.get(f"note-{line.id}", "").strip()[:100]
        entry = {"verdict": verdict, "reason": reason, "note": note}
        chosen[line.id] = entry
        if verdict == "accepted":
            checks[line.id] = LineCheck(True)
            continue
        if verdict != "rejected":
            entry["error"] = _l("请选择验收或拒收")
            continue
        if reason not in REJECT_REASONS:
            entry["error"] = _l("请选择拒收原因")
            continue
        photo = files.get(f"photo-{line.id}")
        clean = None
        if photo is not None and photo.filename:
            try:
                clean = clean_image(photo)
            except UploadRejected as rejected:
                entry["error"] = rejected.message
                continue
        checks[line.id] = LineCheck(False, f"{reason}：{note}" if note else reason, clean)
    return checks, chosen
