from datetime import date

from stdnum.cn import ric, uscc
from stdnum.exceptions import (
    InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength,
)
from stdnum.exceptions import ValidationError as ValidationError_
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Regexp

from webapp.web import Form

MOBILE_RULE = Regexp(r"^1[3-9]\d{9}$", message="请输入 11 位中国大陆手机号")


ID_MESSAGES = {
    InvalidLength: "身份证号应为 18 位",
    InvalidFormat: "身份证号只能是数字，末位可以是 X",
    InvalidComponent: "身份证号中的出生日期无效（不存在或在未来）",
    InvalidChecksum: "身份证号校验码不正确，请逐位核对",
}
USCC_MESSAGES = {
    InvalidLength: "统一社会信用代码应为 18 位",
    InvalidFormat: "统一社会信用代码只能是数字和大写字母（不含 I、O、Z、S、V）",
    InvalidComponent: "统一社会信用代码的登记机关或机构代码部分无效",
    InvalidChecksum: "统一社会信用代码校验码不正确，请逐位核对",
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
            raise ValidationError(message) from None

    return validate


_valid_id_number = _checked(ric, ID_MESSAGES, "身份证号无效，请核对", first=_birth_date_first)
_valid_uscc = _checked(uscc, USCC_MESSAGES, "统一社会信用代码无效，请核对")


class SubmitApplicationForm(Form):
    legal_name = StringField("法定姓名", validators=[DataRequired("请输入法定姓名"), Length(max=40)],
                             render_kw={"autocomplete": "name"})
    id_number = StringField("居民身份证号", validators=[DataRequired("请输入身份证号"),
                                                  _valid_id_number],
                            render_kw={"autocomplete": "off", "maxlength": 18})
    uscc = StringField("营业执照（统一社会信用代码）", validators=[
        DataRequired("请输入统一社会信用代码"), _valid_uscc], render_kw={"maxlength": 18})
    mobile = StringField("联系手机", validators=[DataRequired("请输入联系手机"), MOBILE_RULE],
                         render_kw={"autocomplete": "tel", "inputmode": "tel"})
    shop_name = StringField("店铺名称", validators=[DataRequired("请输入店铺名称"), Length(max=60)])
    shop_address = StringField("店铺地址", validators=[DataRequired("请输入店铺地址"),
                                                   Length(max=200)],
                               render_kw={"autocomplete": "street-address"})


class CreateCourierForm(Form):
    display_name = StringField("骑手姓名", validators=[DataRequired("请输入姓名"), Length(max=40)])
    mobile = StringField("手机号（用于登录）", validators=[DataRequired("请输入手机号"), MOBILE_RULE],
                         render_kw={"inputmode": "tel", "autocomplete": "off"})
    password = PasswordField("初始密码（至少 8 位）", validators=[
        DataRequired("请输入初始密码"), Length(min=8, max=128, message="密码需 8 到 128 位")],
        render_kw={"autocomplete": "new-password"})
