"""The merchant's licence upload."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from webapp.licences.rules import KIND_LABELS, LicenceKind
from webapp.licences.services import NUMBER_MAX
from webapp.web import Form

PHOTO_TYPES = "image/jpeg,image/png,image/webp"


def _compact(value):
    """A number typed with spaces is the same number."""
    return "".join(value.split()).upper() if isinstance(value, str) else value


class UploadLicenceForm(Form):
    """One licence: its kind, number, last valid day and a photo of it."""

    kind = SelectField(_l("许可证类型"),
                       choices=[SelectChoice(kind.value, _l(KIND_LABELS[kind])) for kind in LicenceKind],
                       validators=[InputRequired(message=_l("请选择许可证类型"))],
                       validate_choice=True)
    number = StringField(
        _l("许可证编号"), filters=[_compact],
        validators=[DataRequired(message=_l("请填写许可证编号")),
                    Length(max=NUMBER_MAX, message=_l("许可证编号太长了，请核对")),
                    Regexp(r"^[A-Z0-9\-]+$", message=_l("许可证编号只含字母、数字和连字符，请核对"))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": NUMBER_MAX + 10,
                   "placeholder": "JY13301060012345"})
    expires_on = DateField(_l("有效期至"),
                           validators=[InputRequired(message=_l("请填写有效期至（证上的截止日期）"))],
                           render_kw={"min": "2000-01-01", "max": "2100-12-31"})
    photo = FileField(_l("许可证照片（正本或副本，文字清晰）"), render_kw={"accept": PHOTO_TYPES})

    def validate_expires_on(self, field):
        if field.data is not None and not date(2000, 1, 1) <= field.data <= date(2100, 12, 31):
            raise ValidationError(_l("请填写正确的日期"))
