from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from webapp.cart.services import MAX_QUANTITY
from webapp.web import MAX_ID, Form

QUANTITY_MESSAGE = _l("数量需为 1 到 %(max)s", max=MAX_QUANTITY)


def quantity_field(label=_l("数量")):
    return IntegerField(label, default=1, validators=[
        InputRequired(QUANTITY_MESSAGE), NumberRange(1, MAX_QUANTITY, QUANTITY_MESSAGE)],
        render_kw={"inputmode": "numeric", "min": 1, "max": MAX_QUANTITY})


class AddToCartForm(Form):
    product_id = IntegerField(validators=[InputRequired(), NumberRange(1, MAX_ID)])
    # The variant chosen (规格); left out for a product of one variant.
    variant_id = IntegerField(validators=[Optional(), NumberRange(1, MAX_ID)])
    quantity = quantity_field()


class QuantityForm(Form):
    quantity = quantity_field()
