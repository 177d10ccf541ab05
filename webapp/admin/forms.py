from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class RejectApplicationForm(FlaskForm):
    comment = TextAreaField("驳回原因", validators=[DataRequired("请填写驳回原因"), Length(max=500)])
