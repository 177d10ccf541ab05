from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from webapp.merchants.forms import MOBILE_RULE
from webapp.models.order import PAYMENT_LABELS, PaymentMethod
from webapp.web import Form

SLOTS = [(9, 11), (11, 13), (13, 15), (15, 17), (17, 19), (19, 21)]
WINDOW_FORMAT = "%Y-%m-%dT%H:%M"


def delivery_windows(now: datetime | None = None) -> list[SelectChoice]:
    """Two-hour windows from one hour ahead, today and the next two days, in local time."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    now = now or datetime.now(zone)
    names = ["今天", "明天", "后天"]
    choices = []
    for offset, name in enumerate(names):
        day = (now + timedelta(days=offset)).date()
        for start, end in SLOTS:
            begin = datetime(day.year, day.month, day.day, start, tzinfo=zone)
            if begin < now + timedelta(hours=1):
                continue
            label = f"{name} {day.month}月{day.day}日 {start:02d}:00–{end:02d}:00"
            choices.append(SelectChoice(begin.strftime(WINDOW_FORMAT), label))
    return choices


class PlaceOrderForm(Form):
    quantity = IntegerField("数量", default=1, validators=[
        InputRequired("请输入数量"), NumberRange(1, 99, "数量需为 1 到 99")],
        render_kw={"inputmode": "numeric", "min": 1, "max": 99})
    recipient_name = StringField("收货人", validators=[DataRequired("请输入收货人"), Length(max=40)],
                                 render_kw={"autocomplete": "name"})
    recipient_mobile = StringField("手机号", validators=[DataRequired("请输入手机号"), MOBILE_RULE],
                                   render_kw={"autocomplete": "tel", "inputmode": "tel"})
    address = StringField("收货地址", validators=[DataRequired("请输入收货地址"), Length(max=200)],
                          render_kw={"autocomplete": "street-address"})
    window = SelectField("送达时间", validators=[DataRequired("请选择送达时间")],
                         validate_choice=False)
    payment_method = RadioField("支付方式", default=PaymentMethod.COD.value,
                                choices=[SelectChoice(m.value, label) for m, label in PAYMENT_LABELS.items()],
                                validators=[DataRequired("请选择支付方式")])
    note = TextAreaField("备注", validators=[Optional(), Length(max=200)])
    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.window.choices = delivery_windows()

    def validate_window(self, field):
        from wtforms import ValidationError

        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("该送达时段已不可选，请重新选择")


class RefuseOrderForm(Form):
    reason = StringField("拒单原因", validators=[DataRequired("请填写拒单原因"), Length(max=200)])


class SignForm(Form):
    signer_name = StringField("签收人", validators=[DataRequired("请输入签收人姓名"), Length(max=40)])
    signature = HiddenField(validators=[DataRequired("请在签名区内签名")])
