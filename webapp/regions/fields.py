"""Province, city and district selects for any form: their choices and the check that they nest."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from webapp.regions import names, services
from webapp.web import Form


def _choices(blank: str, pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice("", blank), *(SelectChoice(code, name) for code, name in pairs)]


def fill_choices(form) -> None:
    """Offer every province, the chosen province's cities and the chosen city's districts."""
    province, city = form.province.data, form.city.data
    # After a no-JS refresh with a new province the posted city belongs to the old one: offer
    # no districts for it (it is not among the new cities, so the city select shows its blank).
    in_province = any(code == city for code, _ in services.cities(province))
    form.province.choices = _choices(_("请选择省份"), names.options(services.provinces()))
    form.city.choices = _choices(_("请选择城市"), names.options(services.cities(province)))
    form.district.choices = _choices(_("请选择区县"),
                                     names.options(services.districts(city if in_province else None)))


def check_region(form) -> str | None:
    """Say what is wrong with the chosen province, city and district, or None if they nest."""
    codes = (form.province.data, form.city.data, form.district.data)
    if not all(codes):
        return _("请选择省份、城市和区县")
    if not services.valid_path(*codes):
        return _("所选省份、城市和区县不匹配，请重新选择")
    return None


class AddressForm(Form):
    # The choices change with the data (fill_choices), so check_region, not WTForms' own choice
    # check, is the one rule for the three selects.
    province = SelectField(_l("省份"), validate_choice=False)
    city = SelectField(_l("城市"), validate_choice=False)
    district = SelectField(_l("区县"), validate_choice=False)
    street = StringField(_l("详细地址"), validators=[DataRequired(_l("请输入详细地址")), Length(max=200)],
                         render_kw={"autocomplete": "street-address"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fill_choices(self)

    def validate_district(self, field):
        message = check_region(self)
        if message:
            raise ValidationError(message)
