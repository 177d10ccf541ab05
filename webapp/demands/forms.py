import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from webapp.catalog.categories import CATEGORIES
from webapp.demands.posting import check_needed_by
from webapp.demands.quoting import QuoteInput
from webapp.demands.rules import MAX_QUANTITY
from webapp.i18n import user_zone
from webapp.models import utcnow
from webapp.orders.forms import CheckoutForm
from webapp.regions.fields import check_region, fill_choices
from webapp.shops.windows import WINDOW_FORMAT, delivery_windows
from webapp.web import Form

INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # <input type="datetime-local">
MAX_FEN = 100_000_000  # ¥1,000,000.00
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
# A typed time further than this from now is refused before a rule or a time zone sees it: the
# rules' windows are all shorter, and year 1 or 9999 cannot even be moved to UTC in some zones.
TYPED_SPAN = timedelta(days=366)
TITLE_MAX = 60  # Demand.title


def parse_fen(text: str | None, *, allow_zero: bool = False) -> int | None:
    """'12.5' -> 1250 fen; None for anything but an amount with at most two decimals (> 0, or
    >= 0 with allow_zero)."""
    try:
        amount = Decimal((text or "").strip().replace("¥", "").replace(",", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount.adjusted() > 8 or amount != amount.quantize(Decimal("0.01")):
        return None
    if amount < 0 or (amount == 0 and not allow_zero):
        return None
    fen = int(amount * 100)
    return fen if fen <= MAX_FEN else None


def _zone() -> ZoneInfo:
    return user_zone()  # the zone the inputs are shown in is the one they are read in


def to_utc(local: datetime) -> datetime:
    """A naive local time from a datetime-local input -> naive UTC, as columns store it."""
    return local.replace(tzinfo=_zone()).astimezone(UTC).replace(tzinfo=None)


def to_local(utc: datetime) -> datetime:
    """Naive UTC -> naive local, to fill a datetime-local input."""
    return utc.replace(tzinfo=UTC).astimezone(_zone()).replace(tzinfo=None)


def local_problem(local: datetime, zone: ZoneInfo, now: datetime) -> str | None:
    """Say what is wrong with a typed local time in `zone` (`now` is local too), or None: too far
    from now, or a time that a clock change skips or repeats there."""
    if local < now - TYPED_SPAN:
        return _("日期太早，请选择一年之内的日期")
    if local > now + TYPED_SPAN:
        return _("日期太远，请选择一年之内的日期")
    first, second = local.replace(tzinfo=zone), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local:
        return _("你所在时区因夏令时调整不存在这个时间，请换一个时间")
    return _("你所在时区因夏令时调整这个时间会出现两次，请换一个时间（如晚一小时）")


def _rounded_local(delta: timedelta) -> datetime:
    """Local time `delta` from now, up to the next half hour."""
    moment = to_local(utcnow() + delta)
    extra = (30 - moment.minute % 30) % 30
    return (moment + timedelta(minutes=extra)).replace(second=0, microsecond=0)


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input read in the viewer's time zone, with a message on the field when
    it cannot be read or is no sound time there (see local_problem)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", INPUT_FORMAT)
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_("请选择日期和时间")) from None
        if self.data is not None and (problem := local_problem(self.data, _zone(),
                                                               to_local(utcnow()))):
            self.data = None
            raise ValueError(problem)


def _amount(message: str, allow_zero: bool = False):
    def check(form, field):
        if (field.data or "").strip() and parse_fen(field.data, allow_zero=allow_zero) is None:
            raise ValidationError(message)

    return check


class PostDemandForm(Form):
    title = StringField(_l("需要什么"), validators=[DataRequired(_l("请写下你需要什么")),
                                                 Length(max=TITLE_MAX)],
                        render_kw={"placeholder": _l("如：20 斤新鲜荔枝、一台二手打印机")})
    description = TextAreaField(_l("详细说明（可选）"), validators=[Length(max=1000)],
                                render_kw={"rows": 3,
                                           "placeholder": _l("品种、规格、成色、送到哪里等")})
    photo = FileField(_l("参考照片（可选）"), render_kw={"accept": PHOTO_TYPES})
    category = SelectField(_l("品类"), validate_choice=False,
                           choices=[SelectChoice("", _l("请选择品类")),
                                    *(SelectChoice(k, v) for k, v in CATEGORIES.items())])
    quantity = IntegerField(_l("数量"), default=1, validators=[
        InputRequired(_l("请输入数量")),
        NumberRange(1, MAX_QUANTITY, _l("数量需为 1 到 %(max)s", max=MAX_QUANTITY))],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_QUANTITY})
    budget = StringField(_l("预算（元，可选）"), validators=[
        Optional(), _amount(_l("请输入大于 0 的金额，最多两位小数；不填表示不限"))],
        render_kw={"inputmode": "decimal", "placeholder": _l("不限")})
    province = SelectField(_l("省份"), validate_choice=False)
    city = SelectField(_l("城市"), validate_choice=False)
    district = SelectField(_l("区县"), validate_choice=False)
    needed_by = LocalDateTimeField(_l("最晚需要时间"), validators=[InputRequired(_l("请选择需要的时间"))])
    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fill_choices(self)

    def validate_category(self, field):
        if field.data not in CATEGORIES:
            raise ValidationError(_("请选择品类"))

    def validate_district(self, field):
        if (message := check_region(self)) is not None:
            raise ValidationError(message)

    def validate_needed_by(self, field):
        if field.data is not None and (problem := check_needed_by(to_utc(field.data))):
            raise ValidationError(problem)

    def fill_defaults(self, address=None, title: str = "") -> None:
        """A new form: tomorrow at this time, the buyer's default address's district, and the
        title the link came with (?title=, from a search that found nothing)."""
        self.needed_by.data = _rounded_local(timedelta(days=1))
        self.title.data = " ".join("".join(c if c.isprintable() else " " for c in title)
                                   .split())[:TITLE_MAX]
        if address is not None:
            self.province.data, self.city.data = address.province_code, address.city_code
            self.district.data = address.district_code
            fill_choices(self)

    @property
    def budget_fen(self) -> int | None:
        return parse_fen(self.budget.data) if (self.budget.data or "").strip() else None


class QuoteForm(Form):
    product_id = SelectField(_l("报价商品"), validate_choice=False)
    item_title = StringField(_l("商品名称（不选本店商品时填写）"), validators=[Length(max=80)],
                             render_kw={"placeholder": _l("如：妃子笑荔枝 一级果")})
    unit_price = StringField(_l("单价（元）"), validators=[
        DataRequired(_l("请输入单价")), _amount(_l("单价需大于 0，最多两位小数，例如 12.50"))],
        render_kw={"inputmode": "decimal", "placeholder": "12.50"})
    quantity = IntegerField(_l("数量"), validators=[
        InputRequired(_l("请输入数量")),
        NumberRange(1, MAX_QUANTITY, _l("数量需为 1 到 %(max)s", max=MAX_QUANTITY))],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_QUANTITY})
    delivery_fee = StringField(_l("配送费（元）"), default="0", validators=[
        InputRequired(_l("请输入配送费，包邮填 0")),
        _amount(_l("配送费需为 0 或正数，最多两位小数"), allow_zero=True)],
        render_kw={"inputmode": "decimal"})
    earliest_delivery = LocalDateTimeField(_l("最早送达"),
                                           validators=[InputRequired(_l("请选择最早送达时间"))])
    valid_until = LocalDateTimeField(_l("报价有效期至"), validators=[InputRequired(_l("请选择报价有效期"))])
    note = TextAreaField(_l("备注（可选）"), validators=[Length(max=200)],
                         render_kw={"rows": 2, "placeholder": _l("产地、规格、售后等")})

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        # A product with a choice of variants is offered once per variant ("product:variant").
        self.product_id.choices = [SelectChoice("", _("自定义商品（填写名称）"))]
        for p in products:
            if p.has_choice:
                self.product_id.choices.extend(
                    SelectChoice(f"{p.id}:{v.id}", _("%(title)s（库存 %(n)s）",
                                                     title=f"{p.title} {v.name}", n=v.stock))
                    for v in p.variants)
            else:
                self.product_id.choices.append(SelectChoice(
                    str(p.id), _("%(title)s（库存 %(n)s）", title=p.title, n=p.stock)))

    def validate_product_id(self, field):
        if field.data and not re.fullmatch(r"\d{1,18}(:\d{1,18})?", str(field.data)):
            raise ValidationError(_("请选择本店商品"))

    def fill_defaults(self, shop, demand) -> None:
        """A new quote: the demand's quantity, the shop's fee, its first delivery window, valid
        until the demand's deadline or a day, whichever comes first."""
        self.quantity.data = demand.quantity
        self.delivery_fee.data = f"{shop.delivery_fee_fen / 100:.2f}"
        # The start of the shop's first delivery window, the soonest it really delivers.
        windows = delivery_windows(shop)
        self.earliest_delivery.data = datetime.strptime(
            windows[0].value.partition("/")[0], WINDOW_FORMAT) if windows else _rounded_local(
            timedelta(minutes=shop.delivery_lead_minutes or 60))
        until = min(to_local(demand.needed_by), _rounded_local(timedelta(days=1)))
        self.valid_until.data = until.replace(second=0, microsecond=0)

    def fill_from(self, quote) -> None:
        self.product_id.data = ("" if not quote.product_id else
                                f"{quote.product_id}:{quote.variant_id}"
                                if quote.product is not None and quote.product.has_choice
                                else str(quote.product_id))
        self.item_title.data = "" if quote.product_id else quote.title
        self.unit_price.data = f"{quote.unit_price_fen / 100:.2f}"
        self.quantity.data = quote.quantity
        self.delivery_fee.data = f"{quote.delivery_fee_fen / 100:.2f}"
        self.earliest_delivery.data = to_local(quote.earliest_delivery)
        self.valid_until.data = to_local(quote.valid_until)
        self.note.data = quote.note

    def to_input(self) -> QuoteInput:
        return QuoteInput(
            product_id=int(self.product_id.data.partition(":")[0]) if self.product_id.data
            else None,
            variant_id=int(self.product_id.data.partition(":")[2])
            if ":" in (self.product_id.data or "") else None,
            title=self.item_title.data or "", unit_price_fen=parse_fen(self.unit_price.data),
            quantity=self.quantity.data,
            delivery_fee_fen=parse_fen(self.delivery_fee.data, allow_zero=True),
            earliest_delivery=to_utc(self.earliest_delivery.data),
            valid_until=to_utc(self.valid_until.data), note=self.note.data or "")


def quote_windows(quote, now: datetime | None = None) -> list[SelectChoice]:
    """The shop's delivery windows that end after the quote's earliest delivery (looking as many
    days further ahead as that lies in the future)."""
    shop = quote.shop
    zone = _zone()
    now = now or datetime.now(zone)
    earliest = quote.earliest_delivery.replace(tzinfo=UTC).astimezone(zone)
    extra = max(0, (earliest.date() - now.date()).days)
    horizon = SimpleNamespace(delivery_slots=shop.delivery_slots,
                              delivery_days=min((shop.delivery_days or 3) + extra, 62),
                              delivery_lead_minutes=shop.delivery_lead_minutes)
    return [choice for choice in delivery_windows(horizon, now)
            if datetime.strptime(choice.value.partition("/")[2], WINDOW_FORMAT)
            .replace(tzinfo=zone) > earliest]


class QuoteCheckoutForm(CheckoutForm):
    """Checkout of an accepted quote: the cart's checkout with the quote's delivery windows."""

    def __init__(self, *args, quote=None, addresses=(), **kwargs):
        super().__init__(*args, shop=quote.shop, addresses=addresses, **kwargs)
        self.window.choices = quote_windows(quote)
