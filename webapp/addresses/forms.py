from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FloatField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from webapp.merchants.forms import MOBILE_RULE
from webapp.regions.fields import AddressForm


class BuyerAddressForm(AddressForm):
    """An address-book entry: contact, mobile, province / city / district, detail, optional pin."""

    contact_name = StringField(_l("收货人"),
                               validators=[DataRequired(_l("请输入收货人姓名")), Length(max=40)],
                               render_kw={"autocomplete": "name"})
    mobile = StringField(_l("手机号"), validators=[DataRequired(_l("请输入手机号")), MOBILE_RULE],
                         render_kw={"autocomplete": "tel", "inputmode": "tel"})
    lat = FloatField(validators=[Optional(), NumberRange(-90, 90, _l("地图位置无效"))])
    lng = FloatField(validators=[Optional(), NumberRange(-180, 180, _l("地图位置无效"))])
    is_default = BooleanField(_l("设为默认地址"))

    # A pin is both coordinates or neither. Checked from both sides: Optional() ends an empty
    # field's checks, so a lat without a lng is only caught by lat's own check.
    def validate_lat(self, field):
        if (field.data is None) != (self.lng.data is None):
            raise ValidationError(_l("地图位置无效，请重新选点"))

    def validate_lng(self, field):
        if (self.lat.data is None) != (field.data is None):
            raise ValidationError(_l("地图位置无效，请重新选点"))
