"""Forms of the accounts by mobile number: each asks for a code (the 获取验证码 button, which
posts the same form with action=send) and then finishes with it."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from webapp.auth.mobile import normalise_mobile
from webapp.auth.passwords import NotCommon
from webapp.roles import Role
from webapp.web import Form


def mainland_mobile(form, field) -> None:
    """Read the number into field.e164 (the form shows it as typed), or refuse it."""
    field.e164 = normalise_mobile(field.data or "")
    if field.e164 is None:
        raise ValidationError(_l("请输入正确的中国大陆手机号"))


def mobile_field():
    return StringField(_l("手机号"), validators=[DataRequired(_l("请输入手机号")), Length(max=32),
                                               mainland_mobile],
                       render_kw={"autocomplete": "tel", "inputmode": "tel"})


def code_field():
    return StringField(_l("验证码"), validators=[
        DataRequired(_l("请输入验证码")), Regexp(r"^\s*\d{6}\s*$", message=_l("验证码为 6 位数字"))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 6})


class CodeLoginForm(Form):
    mobile = mobile_field()
    code = code_field()
    remember = BooleanField(_l("在这台设备上保持登录"), default=False)


class PhoneRegisterForm(Form):
    role = RadioField(_l("我是"), choices=[SelectChoice(Role.BUYER.value, _l("买家")),
                                         SelectChoice(Role.MERCHANT.value, _l("商家"))],
                      default=Role.BUYER.value, validators=[DataRequired(_l("请选择身份"))])
    display_name = StringField(_l("昵称"), validators=[DataRequired(_l("请输入昵称")), Length(max=40)],
                               render_kw={"autocomplete": "nickname"})
    mobile = mobile_field()
    code = code_field()
    password = PasswordField(_l("密码（选填，至少 8 位）"), validators=[
        Optional(), Length(min=8, max=128, message=_l("密码需 8 到 128 位")), NotCommon()],
        render_kw={"autocomplete": "new-password"})
    consent = BooleanField(_l("我已阅读并同意隐私政策"),
                           validators=[DataRequired(_l("请阅读并同意隐私政策后再注册"))])


class ResetPasswordForm(Form):
    mobile = mobile_field()
    code = code_field()
    password = PasswordField(_l("新密码（至少 8 位）"), validators=[
        DataRequired(_l("请输入新密码")), Length(min=8, max=128, message=_l("密码需 8 到 128 位")),
        NotCommon()], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("确认新密码"), validators=[
        DataRequired(_l("请再次输入新密码")), EqualTo("password", _l("两次输入的密码不一致"))],
        render_kw={"autocomplete": "new-password"})
