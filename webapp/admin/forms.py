"""The admin's synonym page: one textarea per product category, one group of words per line."""
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length

from webapp.catalog.categories import CATEGORIES
from webapp.web import Form

MAX_TEXT = 4000  # characters per category: 100 groups of a few words


class SynonymsForm(Form):
    """Fields named after the category keys (CATEGORIES), each labelled with its category."""

    def groups(self) -> dict[str, str]:
        return {key: self[key].data or "" for key in CATEGORIES}


for _key, _label in CATEGORIES.items():
    setattr(SynonymsForm, _key, TextAreaField(
        _label, validators=[Length(max=MAX_TEXT, message=_l("内容太长了"))],
        render_kw={"rows": 3, "placeholder": _l("每行一组，词之间用空格分开，如：土豆 马铃薯 洋芋")}))
