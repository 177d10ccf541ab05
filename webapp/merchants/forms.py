from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import ValidationError as ValidationError_
from wtforms import (
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.auth.passwords import NotCommon
from webapp.i18n import N_
from webapp.regions.fields import fill_choices
from webapp.shops.windows import slot_choices
from webapp.web import Form

PHOTO_TYPES = "image/jpeg,image/png,image/webp"

MOBILE_RULE = Regexp(r"^1[3-9]\d{9}$", message=_l("请输入 11 位中国大陆手机号"))


ID_MESSAGES = {
    InvalidLength: N_("身份证号应为 18 位"),
    InvalidFormat: N_("身份证号只能是数字，末位可以是 X"),
    InvalidComponent: N_("身份证号中的出生日期无效（不存在或在未来）"),
    InvalidChecksum: N_("身份证号校验码不正确，请逐位核对"),
}
USCC_MESSAGES = {
    InvalidLength: N_("统一社会信用代码应为 18 位"),
    InvalidFormat: N_("统一社会信用代码只能是数字和大写字母（不含 I、O、Z、S、V）"),
    InvalidComponent: N_("统一社会信用代码的登记机关或机构代码部分无效"),
    InvalidChecksum: N_("统一社会信用代码校验码不正确，请逐位核对"),
}


def _birth_date_first(value: str) -> None:
    """Tell an impossible or future birth date apart from a mistyped check digit."""
    if len(value) == 18 and value[:17].isdigit():
        born = ric.get_birth_date(value)  # raises InvalidComponent for 19491331 and the like
        if born > date.today():
            raise InvalidComponent()


def _checked(module, messages: dict, fallback: str, first=None):
    """A WTForms validator from a python-stdnum module, with a message for each kind of error."""

    def validate(form, field):
        value = (field.data or "").strip().upper()
        try:
            if first is not None:
                first(value)
            field.data = module.validate(value)
        except ValidationError_ as error:
            message = next((m for kind, m in messages.items() if isinstance(error, kind)),
                           fallback)
            raise ValidationError(_(message)) from None

    return validate


_valid_id_number = _checked(ric, ID_MESSAGES, N_("身份证号无效，请核对"), first=_birth_date_first)
_valid_uscc = _checked(uscc, USCC_MESSAGES, N_("统一社会信用代码无效，请核对"))


class SubmitApplicationForm(Form):
    """The real-name application. Fields are optional here because a draft may be partial;
    the view asks for everything (or what the last version already holds) on submission."""

    legal_name = StringField(_l("法定姓名"), validators=[Optional(), Length(max=40)],
                             render_kw={"autocomplete": "name"})
    id_number = StringField(_l("居民身份证号"), validators=[Optional(), _valid_id_number],
                            render_kw={"autocomplete": "off", "maxlength": 18})
    mobile = StringField(_l("联系手机"), validators=[Optional(), MOBILE_RULE],
                         render_kw={"autocomplete": "tel", "inputmode": "tel"})
    uscc = StringField(_l("营业执照（统一社会信用代码）"), validators=[Optional(), _valid_uscc],
                       render_kw={"maxlength": 18})
    shop_name = StringField(_l("店铺名称"), validators=[Optional(), Length(max=60)])
    handle_wish = StringField(_l("店铺网址（选填）"), validators=[Optional(), Length(max=40)],
                              render_kw={"placeholder": _l("如 fresh-fruit"), "autocapitalize": "none",
                                         "spellcheck": "false"})
    province = SelectField(_l("省份"), validate_choice=False)
    city = SelectField(_l("城市"), validate_choice=False)
    district = SelectField(_l("区县"), validate_choice=False)
    street = StringField(_l("详细地址"), validators=[Optional(), Length(max=200)],
                         render_kw={"autocomplete": "street-address"})
    id_front = FileField(_l("身份证人像面照片"), render_kw={"accept": PHOTO_TYPES})
    id_back = FileField(_l("身份证国徽面照片"), render_kw={"accept": PHOTO_TYPES})
    licence_photo = FileField(_l("营业执照照片"), render_kw={"accept": PHOTO_TYPES})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fill_choices(self)

    def validate_handle_wish(self, field):
        field.data = (field.data or "").strip().lower()


class CreateCourierForm(Form):
    display_name = StringField(_l("骑手姓名"), validators=[DataRequired(_l("请输入姓名")), Length(max=40)])
    mobile = StringField(_l("手机号（用于登录）"), validators=[DataRequired(_l("请输入手机号")), MOBILE_RULE],
                         render_kw={"inputmode": "tel", "autocomplete": "off"})
    password = PasswordField(_l("初始密码（至少 8 位）"), validators=[
        DataRequired(_l("请输入初始密码")), Length(min=8, max=128, message=_l("密码需 8 到 128 位")),
        NotCommon()], render_kw={"autocomplete": "new-password"})


class UpdateShopForm(Form):
    name = StringField(_l("店铺名称"), validators=[DataRequired(_l("请输入店铺名称")), Length(max=60)])
    description = TextAreaField(_l("店铺简介"), validators=[Optional(), Length(max=500)])
    logo = FileField(_l("店铺 Logo（方形）"), render_kw={"accept": PHOTO_TYPES})
    banner = FileField(_l("招牌图（横幅）"), render_kw={"accept": PHOTO_TYPES})


LEAD_CHOICES = (0, 30, 60, 90, 120, 180, 240)


class DeliverySettingsForm(Form):
    """The delivery windows a shop offers at checkout, how far ahead, and its delivery fee."""

    slots = SelectMultipleField(_l("可选送达时段"), coerce=str, validate_choice=False,
                                widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput())
    delivery_days = SelectField(_l("可预约天数"), coerce=int, choices=[
        SelectChoice(n, _l("%(n)s 天", n=n)) for n in range(1, 8)], default=3)
    delivery_lead_minutes = SelectField(_l("最早送达"), coerce=int, choices=[
        SelectChoice(m, _l("下单后即可") if m == 0 else _l("下单 %(minutes)s 分钟后", minutes=m))
        for m in LEAD_CHOICES], default=60)
    delivery_fee = StringField(_l("配送费（元）"), default="0",
                               validators=[DataRequired(_l("请输入配送费，免配送费填 0"))],
                               render_kw={"inputmode": "decimal"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots.choices = slot_choices()

    def validate_slots(self, field):
        offered = {choice.value for choice in field.choices}
        if not field.data:
            raise ValidationError(_("请至少选择一个送达时段"))
        if any(value not in offered for value in field.data):
            raise ValidationError(_("送达时段无效，请重新选择"))

    def validate_delivery_fee(self, field):
        if fee_fen(field.data) is None:
            raise ValidationError(_("配送费需为 0 到 999.99 元，最多两位小数"))


def fee_fen(text: str | None) -> int | None:
    """'5' -> 500; '0' -> 0; None for a negative amount, more than ¥999.99 or 3+ decimals."""
    try:
        amount = Decimal((text or "").strip().replace("¥", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount >= 1000 or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)
