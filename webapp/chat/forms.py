from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from webapp.chat.services import MAX_LENGTH
from webapp.web import Form

PHOTO_TYPES = "image/jpeg,image/png,image/webp"


class SendMessageForm(Form):
    """Words, or a photo, or one of the quick replies (its button's value)."""

    body = TextAreaField(_l("写消息"), validators=[Optional(), Length(max=MAX_LENGTH)],
                         render_kw={"rows": 2, "maxlength": MAX_LENGTH})
    photo = FileField(_l("照片"), render_kw={"accept": PHOTO_TYPES})
    reply = StringField(validators=[Optional(), Length(max=40)])
