"""The shop's accounts at the payment channels, as its merchant enters them, and the admin's
decision on one (webapp/payments/shop_accounts.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from webapp.web import MAX_ID, Form


def _compact(value):
    """What was typed or pasted, without spaces (an id copied as 1900 000 101 is the same id)."""
    return "".join(value.split()) if isinstance(value, str) else value


class WechatAccountForm(Form):
    """WeChat Pay: the sub-merchant number the platform, as service provider, holds for the shop."""

    channel = HiddenField(default="wechat")
    sub_mchid = StringField(
        _l("微信支付子商户号（sub_mchid）"), filters=[_compact],
        validators=[DataRequired(message=_l("请填写子商户号")),
                    Regexp(r"^[0-9]{8,10}$", message=_l("子商户号是 8 到 10 位数字，请核对"))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 16,
                   "spellcheck": "false"})


class AlipayAccountForm(Form):
    """Alipay: the shop's own Alipay user id and the app_auth_token of its grant to the platform's
    app. The token is never shown back; left empty, the kept one stays."""

    channel = HiddenField(default="alipay")
    user_id = StringField(
        _l("支付宝账号 ID（2088 开头）"), filters=[_compact],
        validators=[DataRequired(message=_l("请填写支付宝账号 ID")),
                    Regexp(r"^2088[0-9]{12}$",
                           message=_l("支付宝账号 ID 是以 2088 开头的 16 位数字，请核对"))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 24,
                   "spellcheck": "false"})
    app_auth_token = StringField(
        _l("应用授权令牌（app_auth_token）"), filters=[_compact],
        validators=[Optional(), Length(max=128, message=_l("授权令牌太长了，请核对")),
                    Regexp(r"^[A-Za-z0-9]{16,128}$",
                           message=_l("授权令牌由字母和数字组成，至少 16 位，请完整复制"))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 160})


ACCOUNT_FORMS = {"wechat": WechatAccountForm, "alipay": AlipayAccountForm}


class ReviewAccountForm(Form):
    """An admin's decision on the account as shown (`revision`), with a note for the merchant."""

    revision = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])
    note = TextAreaField(_l("给商家的说明（驳回时必填）"),
                         validators=[Length(max=200, message=_l("说明最多 200 字"))],
                         render_kw={"rows": 2, "maxlength": 200})
