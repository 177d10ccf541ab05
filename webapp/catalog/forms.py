from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from webapp.catalog.categories import CATEGORIES, DEFAULT_CATEGORY
from webapp.catalog.variants import clean_barcode
from webapp.web import Form

MAX_PRICE_FEN = 100_000_000  # ¥1,000,000.00
PHOTO_TYPES = "image/jpeg,image/png,image/webp"


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
        raise ValidationError(_("请输入大于 0 的价格，最多两位小数，例如 12.50"))


def _valid_barcode(form, field):
    try:
        field.data = clean_barcode(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def barcode_field():
    return StringField(_l("条码（可选）"), validators=[Optional(), Length(max=20), _valid_barcode],
                       render_kw={"inputmode": "numeric", "autocomplete": "off"})


def price_field():
    return StringField(_l("价格（元）"), validators=[DataRequired(_l("请输入价格")), _valid_price],
                       render_kw={"inputmode": "decimal", "placeholder": "12.50"})


def stock_field():
    return IntegerField(_l("库存"), validators=[
        InputRequired(_l("请输入库存数量")), NumberRange(0, 1_000_000, _l("库存需为 0 到 1000000 的整数"))],
        render_kw={"inputmode": "numeric", "min": 0})


def low_stock_field():
    # Left empty, the usual level (5) applies.
    return IntegerField(_l("库存紧张提醒（件）"), default=5, validators=[
        Optional(), NumberRange(0, 100_000, _l("提醒数量需为 0 到 100000 的整数"))],
        render_kw={"inputmode": "numeric", "min": 0, "max": 100_000})


class ProductForm(Form):
    title = StringField(_l("商品名称"), validators=[DataRequired(_l("请输入商品名称")), Length(max=80)])
    category = SelectField(_l("分类"), choices=[SelectChoice(k, v) for k, v in CATEGORIES.items()],
                           default=DEFAULT_CATEGORY, validate_choice=False)
    price = price_field()
    stock = stock_field()
    low_stock_at = low_stock_field()
    # The first (or only) variant's name and barcode; a product of several variants has them
    # per variant (VariantForm), and its form leaves out price, stock and these.
    variant_name = StringField(_l("规格名称（可选）"), validators=[Optional(), Length(max=20)],
                               render_kw={"placeholder": _l("例如 500g、1斤、大份")})
    barcode = barcode_field()
    description = TextAreaField(_l("商品描述"), validators=[Length(max=2000)],
                                render_kw={"rows": 3})
    # Checked and re-encoded in the view (webapp.uploads.clean_image); "capture" opens the rear
    # camera on a phone and is ignored by desktop browsers, which show a file picker.
    photo = FileField(_l("商品照片"), render_kw={"accept": PHOTO_TYPES, "capture": "environment"})
    remove_photo = BooleanField(_l("删除现有照片"))
    published = BooleanField(_l("上架销售"), default=True)
    # The stock the edit form showed; the change is applied relative to it.
    stock_seen = HiddenField(validators=[Optional(), Regexp(r"^\d{1,7}$")])

    def validate_category(self, field):
        # A select posts only its options; anything else was typed into a crafted request.
        if field.data not in CATEGORIES:
            raise ValidationError(_("请选择商品分类"))

    @property
    def price_fen(self) -> int:
        fen = parse_yuan(self.price.data)
        assert fen is not None
        return fen


class VariantForm(Form):
    """One variant of a product: added, or changed (its stock relative to `stock_seen`)."""

    name = StringField(_l("规格名称"), validators=[DataRequired(_l("请填写规格名称，例如 500g、1斤、大份")),
                                              Length(max=20)],
                       render_kw={"placeholder": _l("例如 500g、1斤、大份")})
    price = price_field()
    stock = stock_field()
    low_stock_at = low_stock_field()
    barcode = barcode_field()
    stock_seen = HiddenField(validators=[Optional(), Regexp(r"^\d{1,7}$")])

    @property
    def price_fen(self) -> int:
        fen = parse_yuan(self.price.data)
        assert fen is not None
        return fen
