from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from webapp.tickets import services
from webapp.web import Form


class SavePrinterForm(Form):
    """The shop's network receipt printer: where it is, its paper, whether orders print by
    themselves once accepted."""

    host = StringField(_l("打印机地址（IP 或主机名）"),
                       validators=[DataRequired(_l("请填写打印机的 IP 地址或主机名")),
                                   Length(max=253, message=_l("地址太长"))],
                       render_kw={"autocomplete": "off", "spellcheck": "false",
                                  "autocapitalize": "none", "placeholder": "192.168.1.50"})
    port = StringField(_l("端口"), default="9100",
                       validators=[DataRequired(_l("请填写端口，网口打印机通常是 9100"))],
                       render_kw={"inputmode": "numeric"})
    paper_mm = RadioField(_l("纸宽"), coerce=int, default=58, choices=[
        SelectChoice(58, _l("58 毫米")), SelectChoice(80, _l("80 毫米"))],
        validate_choice=True)
    auto_print = BooleanField(_l("接单后自动打印小票"), default=True)

    def validate_host(self, field):
        problem = services.host_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    def validate_port(self, field):
        problem = services.port_problem(field.data or "")
        if problem:
            raise ValidationError(problem)
