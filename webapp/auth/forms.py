from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from webapp.auth.passwords import NotCommon
from webapp.roles import Role
from webapp.web import Form


class LoginForm(Form):
    login = StringField(_l("邮箱或手机号"),
                        validators=[DataRequired(_l("请输入邮箱或手机号")), Length(max=254)],
                        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    # Off unless ticked: without it the login ends when the browser closes.
    remember = BooleanField(_l("在这台设备上保持登录"), default=False,
                            render_kw={"aria-describedby": "remember-hint"})


class RegisterForm(Form):
    role = RadioField(_l("我是"), choices=[SelectChoice(Role.BUYER.value, _l("买家")),
                                         SelectChoice(Role.MERCHANT.value, _l("商家"))],
                      default=Role.BUYER.value, validators=[DataRequired(_l("请选择身份"))])
    display_name = StringField(_l("昵称"), validators=[DataRequired(_l("请输入昵称")), Length(max=40)],
                               render_kw={"autocomplete": "nickname"})
    email = StringField(_l("邮箱"), validators=[DataRequired(_l("请输入邮箱")),
                                          Email(_l("邮箱格式不正确")), Length(max=254)],
                        render_kw={"autocomplete": "email", "inputmode": "email"})
    password = PasswordField(_l("密码（至少 8 位）"), validators=[
        DataRequired(_l("请输入密码")), Length(min=8, max=128, message=_l("密码需 8 到 128 位")),
        NotCommon()], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("确认密码"), validators=[
        DataRequired(_l("请再次输入密码")), EqualTo("password", _l("两次输入的密码不一致"))],
        render_kw={"autocomplete": "new-password"})
    # Drawn by templates/auth/_consent.html, with the link to the policy.
    consent = BooleanField(_l("我已阅读并同意隐私政策"),
                           validators=[DataRequired(_l("请阅读并同意隐私政策后再注册"))])
