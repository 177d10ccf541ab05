from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from webapp.web import Form


class HandoverForm(Form):
    """The courier's first step of signing for someone: the code they were told, their name."""

    code = StringField(_l("收货码"), validators=[DataRequired(_l("请输入 6 位数字收货码。")),
                                                Length(max=20)],
                       render_kw={"inputmode": "numeric", "autocomplete": "off",
                                  "maxlength": 20, "placeholder": _l("6 位数字，买家可在订单页看到")})
    signer_name = StringField(_l("签收人姓名"), validators=[
        DataRequired(_l("请输入签收人姓名")), Length(max=40)],
        render_kw={"maxlength": 40, "autocomplete": "off", "placeholder": _l("如：李四（家人）")})
