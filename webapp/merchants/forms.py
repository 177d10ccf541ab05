from stdnum.cn import ric, uscc
from wtforms import PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Regexp

from webapp.web import Form

MOBILE_RULE = Regexp(r"^1[3-9]\d{9}$", message="请输入 11 位中国大陆手机号")


def _valid_id_number(form, field):
    value = (field.data or "").strip().upper()
    if not ric.is_valid(value):
        raise ValidationError("身份证号无效，请核对 18 位号码（含末位校验码）")
    field.data = ric.compact(value)


def _valid_uscc(form, field):
    value = (field.data or "").strip().upper()
    if not uscc.is_valid(value):
        raise ValidationError("统一社会信用代码无效，请核对 18 位代码（含末位校验码）")
    field.data = uscc.compact(value)


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
