from decimal import Decimal, InvalidOperation

from wtforms import (
    BooleanField, HiddenField, IntegerField, StringField, TextAreaField, ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from webapp.web import Form

MAX_PRICE_FEN = 100_000_000  # ¥1,000,000.00


def parse_yuan(text: str | None) -> int | None:
    """'12.5' -> 1250 fen; None for anything that is not a positive amount with ≤ 2 decimals."""
    try:
        amount = Decimal((text or "").strip().replace("¥", "").replace(",", ""))
        if not amount.is_finite() or amount <= 0 or amount.adjusted() > 8:
            return None
        if amount != amount.quantize(Decimal("0.01")):
            return None
    except InvalidOperation:
        return None
    fen = int(amount * 100)
    return fen if fen <= MAX_PRICE_FEN else None


def _valid_price(form, field):
    if parse_yuan(field.data) is None:
        raise ValidationError("请输入大于 0 的价格，最多两位小数，例如 12.50")


class ProductForm(Form):
    title = StringField("商品名称", validators=[DataRequired("请输入商品名称"), Length(max=80)])
    description = TextAreaField("商品描述", validators=[Length(max=2000)])
    price = StringField("价格（元）", validators=[DataRequired("请输入价格"), _valid_price],
                        render_kw={"inputmode": "decimal", "placeholder": "12.50"})
    stock = IntegerField("库存", validators=[
        InputRequired("请输入库存数量"), NumberRange(0, 1_000_000, "库存需为 0 到 1000000 的整数")],
        render_kw={"inputmode": "numeric", "min": 0})
    published = BooleanField("上架销售", default=True)
    # The stock the edit form showed; the change is applied relative to it.
    stock_seen = HiddenField(validators=[Optional(), Regexp(r"^\d{1,7}$")])

    @property
    def price_fen(self) -> int:
        fen = parse_yuan(self.price.data)
        assert fen is not None
        return fen
