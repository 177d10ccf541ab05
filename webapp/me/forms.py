from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from webapp.auth.passwords import NotCommon
from webapp.auth.phone_forms import code_field, mainland_mobile
from webapp.web import Form


class ProfileForm(Form):
    display_name = StringField(_l("昵称"), validators=[DataRequired(_l("请输入昵称")), Length(max=40)],
                               render_kw={"autocomplete": "nickname"})


class PasswordForm(Form):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码")),
                                                      Length(max=128)],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("新密码（至少 8 位）"), validators=[
        DataRequired(_l("请输入新密码")), Length(min=8, max=128, message=_l("密码需 8 到 128 位")),
        NotCommon()], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("确认新密码"), validators=[
        DataRequired(_l("请再次输入新密码")), EqualTo("password", _l("两次输入的密码不一致"))],
        render_kw={"autocomplete": "new-password"})


class DeleteForm(Form):
    password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码")),
                                                       Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    # Typed, not ticked: a deletion cannot be undone (the word is checked in services).
    confirmation = StringField(_l("请输入“注销”两个字确认"), validators=[
        DataRequired(_l("请输入“注销”确认")), Length(max=20)],
        render_kw={"autocomplete": "off", "aria-describedby": "delete-warning"})


class ChangeMobileForm(Form):
    """A new number for the account; the code texted to it confirms it (the 获取验证码 button
    posts the same form with action=send, auth/_code_fields.html). The current password is asked
    for where the account has one."""

    mobile = StringField(_l("新手机号"), validators=[DataRequired(_l("请输入手机号")), Length(max=32),
                                                mainland_mobile],
                         render_kw={"autocomplete": "tel", "inputmode": "tel"})
    code = code_field()
    password = PasswordField(_l("当前密码"), validators=[Optional(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})


class ChangeEmailForm(Form):
    email = StringField(_l("新邮箱"), validators=[DataRequired(_l("请输入邮箱")),
                                              Email(_l("邮箱格式不正确")), Length(max=254)],
                        filters=[lambda value: value.strip() if isinstance(value, str) else value],
                        render_kw={"autocomplete": "email", "inputmode": "email"})
    password = PasswordField(_l("当前密码"), validators=[DataRequired(_l("请输入当前密码")),
                                                      Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
