"""The review form, its follow-up, the shop's reply, a report and the admin's fold."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.reviews.reasons import REASONS
from webapp.web import Form

PHOTO_TYPES = "image/jpeg,image/png,image/webp"
STARS = [SelectChoice(str(n), str(n)) for n in range(1, 6)]


def _score(label):
    return RadioField(label, choices=STARS, validators=[InputRequired(_l("请为这一项打分（1–5 分）"))])


class ReviewForm(Form):
    goods = _score(_l("商品"))
    delivery = _score(_l("配送"))
    service = _score(_l("服务"))
    text = TextAreaField(_l("说说商品和配送（选填）"), validators=[Optional(), Length(max=500)],
                         render_kw={"rows": 4, "maxlength": 500})
    # Checked and re-encoded in the view (webapp.uploads), at most three.
    photos = MultipleFileField(_l("照片（最多 3 张，选填）"), render_kw={"accept": PHOTO_TYPES})

    def scores(self) -> tuple[int, int, int]:
        return int(self.goods.data), int(self.delivery.data), int(self.service.data)


class FollowUpForm(Form):
    text = TextAreaField(_l("追评"), validators=[DataRequired(_l("请写下追评内容")), Length(max=500)],
                         render_kw={"rows": 3, "maxlength": 500})


class ReplyForm(Form):
    text = TextAreaField(_l("店铺回复"), validators=[DataRequired(_l("请写下回复内容")),
                                                  Length(max=500)],
                         render_kw={"rows": 3, "maxlength": 500})


def _reasons():
    return [SelectChoice(code, _l(label)) for code, label in REASONS.items()]


class ReportForm(Form):
    reason = RadioField(_l("举报原因"), choices=_reasons(),
                        validators=[InputRequired(_l("请选择举报原因"))])
    note = TextAreaField(_l("补充说明（选填，仅管理员可见）"), validators=[Optional(), Length(max=200)],
                         render_kw={"rows": 2, "maxlength": 200})


class FoldForm(Form):
    reason = RadioField(_l("折叠原因"), choices=_reasons(),
                        validators=[InputRequired(_l("请选择折叠原因"))])
