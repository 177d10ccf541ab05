from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from webapp.models.order import METHOD_CHANNEL, ONLINE, PAYMENT_LABELS, PaymentMethod
from webapp.orders.fields import KeptOptionsSelect, PlainRadioField
from webapp.orders.reasons import REJECT_REASONS
from webapp.orders.shown import INVALID as SHOWN_INVALID
from webapp.orders.shown import parse as parse_shown
from webapp.orders.signing import PHOTO_MAX_SIDE, LineCheck
from webapp.orders.terms import Destination, Terms
from webapp.payments.accounts import channels_for
from webapp.shops.promise import ASAP, PICKUP, outlook, promise_minutes
from webapp.shops.windows import delivery_windows
from webapp.uploads import UploadRejected, clean_image
from webapp.web import Form

ONLINE_ORDER = (PaymentMethod.WECHAT_ONLINE, PaymentMethod.ALIPAY_ONLINE)


def _address_label(address) -> str:
    return f"{address.contact_name} {address.mobile} · {address.full_text}"


def now_choices(shop, seen, addresses) -> list[SelectChoice]:
    """尽快送达 and 到店自取 with the minutes each is promised in as the page is drawn (busy mode
    included); the ASAP minutes from the default address's pin (placing the order works them
    out again for the address chosen)."""
    home = next((a for a in addresses if a.is_default), next(iter(addresses), None))
    asap = promise_minutes(shop, lat=home.lat if home else None,
                           lng=home.lng if home else None, busy=seen.busy)
    ready = promise_minutes(shop, pickup=True, busy=seen.busy)
    pickup = (_l("到店自取（约 %(n)s 分钟后可取，免配送费）", n=ready) if shop.delivery_fee_fen
              else _l("到店自取（约 %(n)s 分钟后可取）", n=ready))
    return [SelectChoice(ASAP, _l("尽快送达（约 %(n)s 分钟）", n=asap)), SelectChoice(PICKUP, pickup)]


class CheckoutForm(Form):
    """Checkout of one shop's cart: where, when, how to pay, and a note."""

    address_id = PlainRadioField(_l("收货地址"), coerce=int, validate_choice=False,
                            validators=[InputRequired(_l("请选择收货地址"))])
    window = SelectField(_l("送达时间"), validators=[DataRequired(_l("请选择送达时间"))],
                         validate_choice=False, widget=KeptOptionsSelect())
    payment_method = PlainRadioField(_l("支付方式"), default=PaymentMethod.COD.value,
                                choices=[SelectChoice(m.value, _l(label))
                                         for m, label in PAYMENT_LABELS.items()
                                         if m not in ONLINE],
                                validators=[DataRequired(_l("请选择支付方式"))])
    note = TextAreaField(_l("备注"), validators=[Optional(), Length(max=200)],
                         render_kw={"placeholder": _l("如：放门口、到了打电话")})
    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
    # What the page showed (webapp.orders.shown), drawn again with every page.
    shown = HiddenField(validators=[DataRequired(SHOWN_INVALID)])

    def __init__(self, *args, shop=None, addresses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.addresses = {a.id: a for a in addresses}
        self.address_id.choices = [SelectChoice(a.id, _address_label(a)) for a in addresses]
        windows = self.window.choices = delivery_windows(shop)
        self.shop, self.outlook = shop, None
        if shop is not None:  # while open: "as soon as possible" and pickup, listed first
            self.outlook = outlook(shop)
            if self.outlook.open:
                self.window.choices = [*now_choices(shop, self.outlook, addresses), *windows]
                if windows and self.window.data is None and not self.is_submitted():
                    # Drawn with the first window chosen, as before: ASAP and pickup are the
                    # buyer's explicit choice (and the page reads the same at any hour).
                    self.window.data = windows[0].value
        online = channels_for(shop.id) if shop is not None else []
        if online:  # the channels this shop is paid through online, first (as buyers expect)
            self.payment_method.choices = [
                *(SelectChoice(m.value, _l(PAYMENT_LABELS[m])) for m in ONLINE_ORDER
                  if METHOD_CHANNEL[m] in online), *self.payment_method.choices]

    def terms(self) -> Terms:
        """What the buyer chose, for placing the order."""
        return Terms(destination=Destination.of(self.addresses[self.address_id.data]),
                     window=self.window.data, payment_method=self.payment_method.data,
                     idempotency_key=self.idempotency_key.data, note=self.note.data or "",
                     shown=parse_shown(self.shown.data))

    def validate_shown(self, field):
        try:
            parse_shown(field.data)
        except ValueError:
            raise ValidationError(SHOWN_INVALID) from None

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
                clean = clean_image(photo, max_side=PHOTO_MAX_SIDE)
            except UploadRejected as rejected:
                entry["error"] = rejected.message
                continue
        checks[line.id] = LineCheck(False, reason, clean, note)
    return checks, chosen
