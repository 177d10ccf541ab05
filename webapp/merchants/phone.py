"""A shop's public phone number: entered in its settings, shown (as a tel: link) on the shop's
page and on its buyers' order pages only while its owner agrees (Shop.phone_to_show).

The number is read with phonenumbers like every number of the app (a mainland mobile, or a
landline with its area code) and stored in E.164. A change is a write to the shop's row, which
makes every process-kept page forget what it kept (webapp/shared_pages.py), so it shows at once."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, ValidationError
from wtforms.validators import Length

from webapp import audit
from webapp.auth.mobile import national, normalise_public_phone
from webapp.extensions import db
from webapp.models import Shop, User
from webapp.web import Form


def public_phone(form, field) -> None:
    """Read the number into field.e164 ('' when empty), or refuse it."""
    text = (field.data or "").strip()
    field.e164 = normalise_public_phone(text) if text else ""
    if field.e164 is None:
        raise ValidationError(_l("请输入正确的电话：中国大陆手机号，或带区号的固定电话"))


class UpdateShopPhoneForm(Form):
    public_phone = StringField(_l("店铺电话（选填）"), validators=[Length(max=32), public_phone],
                               render_kw={"autocomplete": "tel", "inputmode": "tel",
                                          "placeholder": _l("如 010-1234 5678 或 138 1234 5678")})
    phone_shown = BooleanField(_l("同意在店铺页和买家的订单页显示这个电话"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.phone_shown.data and not self.public_phone.e164:
            self.public_phone.errors.append(_l("勾选显示前，请先填写电话"))
            return False
        return True


def form_for(shop: Shop) -> UpdateShopPhoneForm:
    """The form as the shop's number stands (shown as people read it)."""
    return UpdateShopPhoneForm(formdata=None, data={
        "public_phone": national(shop.public_phone) if shop.public_phone else "",
        "phone_shown": shop.phone_shown})


def update_phone(shop: Shop, actor: User, *, number: str, shown: bool) -> bool:
    """Save the number (E.164, '' for none) and the owner's agreement; audited when it changed.
    Returns whether anything changed."""
    if (shop.public_phone, shop.phone_shown) == (number, shown):
        return False
    shop.public_phone, shop.phone_shown = number, shown
    audit.record(actor, "shop.phone_updated", shop, shown=shown, has_number=bool(number))
    db.session.commit()
    return True
