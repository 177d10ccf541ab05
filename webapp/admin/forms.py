from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from webapp.web import Form


class RejectApplicationForm(Form):
    comment = TextAreaField("驳回原因", validators=[DataRequired("请填写驳回原因"), Length(max=500)])
