"""The after-sales forms: the buyer's request, and the words each later step needs."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from webapp.aftersales import policy
from webapp.aftersales.labels import DOOR_METHOD_LABELS, KIND_LABELS
from webapp.aftersales.opening import Room
from webapp.orders.fields import PlainRadioField
from webapp.uploads import CleanImage, UploadRejected, clean_image
from webapp.web import Form

PHOTO_TYPES = "image/jpeg,image/png,image/webp"


class RequestForm(Form):
    """A request after signing: which kind, why, in the buyer's words, and photos."""

    kind = PlainRadioField(_l("售后类型"), validate_choice=False,
                           choices=[SelectChoice(k.value, _l(v)) for k, v in KIND_LABELS.items()],
                           validators=[InputRequired(_l("请选择售后类型"))])
    reason = SelectField(_l("原因"), validate_choice=False,
                         choices=[SelectChoice("", _l("请选择")),
                                  *(SelectChoice(k, _l(v)) for k, v in policy.REASONS.items())],
                         validators=[DataRequired(_l("请选择原因"))])
    note = TextAreaField(_l("问题描述（选填）"), validators=[Optional(), Length(max=policy.MAX_NOTE)],
                         render_kw={"rows": 3, "maxlength": policy.MAX_NOTE})
    photos = MultipleFileField(_l("照片（最多 3 张）"), render_kw={"accept": PHOTO_TYPES})
    idempotency_key = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])


def offer(form: RequestForm, rooms: list[Room]) -> None:
    """Offer only the kinds and reasons that a line still open allows: an order of fresh food
    alone gets a refund only (chosen already on a new form) for a quality reason, not choices
    that are then refused."""
    still_open = [room for room in rooms if room.open]
    if not still_open:
        return
    kinds = {kind.value for room in still_open for kind in room.policy.kinds}
    reasons = {reason for room in still_open for reason in room.policy.reasons}
    form.kind.choices = [c for c in form.kind.choices if c.value in kinds]
    form.reason.choices = [c for c in form.reason.choices if not c.value or c.value in reasons]
    if len(form.kind.choices) == 1 and not form.is_submitted():
        form.kind.data = form.kind.choices[0].value


def quantities(rooms: list[Room], form) -> tuple[dict[int, int], dict[int, str]]:
    """The quantity asked for each line (`qty-<line id>`), and the lines whose value is not a
    whole number from 0 up (their raw value, shown back)."""
    chosen, bad = {}, {}
    for room in rooms:
        raw = (form.get(f"qty-{room.line.id}") or "0").strip()
        if raw.isascii() and raw.isdigit() and len(raw) <= 6:
            chosen[room.line.id] = int(raw)
        else:
            bad[room.line.id] = raw[:12]
    return chosen, bad


def posted_photos(field) -> list[CleanImage]:
    """The photos posted for `field` (at most MAX_PHOTOS), checked and re-encoded; a refused
    one adds its reason to the field's errors. Call it once the rest of the form is valid."""
    files = [f for f in request.files.getlist(field.name) if f and f.filename]
    if len(files) > policy.MAX_PHOTOS:
        field.errors = [*field.errors, _l("最多上传 %(n)s 张照片", n=policy.MAX_PHOTOS)]
        return []
    clean = []
    for upload in files:
        try:
            clean.append(clean_image(upload, max_side=policy.PHOTO_MAX_SIDE))
        except UploadRejected as rejected:
            field.errors = [*field.errors, rejected.message]
    return clean


class WordsForm(Form):
    """The words a step needs: a shop's refusal, an escalation, how the goods went back."""

    note = TextAreaField(_l("说明"), validators=[DataRequired(_l("请填写说明")), Length(max=500)],
                         render_kw={"rows": 3, "maxlength": 500})


class ShipForm(Form):
    note = StringField(_l("快递公司和单号，或交还方式"),
                       validators=[DataRequired(_l("请填写寄回方式")), Length(max=200)],
                       render_kw={"maxlength": 200})


class RulingForm(Form):
    """The platform's decision on an escalated request, with its reasons."""

    ruling = PlainRadioField(_l("判定"), validate_choice=False, choices=[
        SelectChoice("buyer", _l("支持买家（退款）")), SelectChoice("shop", _l("支持商家（关闭申请）"))],
        validators=[InputRequired(_l("请选择判定结果"))])
    note = TextAreaField(_l("判定理由"), validators=[DataRequired(_l("请填写判定理由")),
                                                 Length(max=500)],
                         render_kw={"rows": 3, "maxlength": 500})


class DoorRefundForm(Form):
    """The shop's word that it paid a refund owed at the door back: how, and a note."""

    method = PlainRadioField(_l("退还方式"), validate_choice=False, choices=[
        SelectChoice(k.value, _l(v)) for k, v in DOOR_METHOD_LABELS.items()],
        validators=[InputRequired(_l("请选择退还方式"))])
    note = StringField(_l("备注（选填）"), validators=[Optional(), Length(max=200)],
                       render_kw={"maxlength": 200, "placeholder": _l("如：转账流水号后四位")})

    def validate_method(self, field) -> None:
        if field.data not in {k.value for k in DOOR_METHOD_LABELS}:
            raise ValidationError(_l("请选择退还方式"))
