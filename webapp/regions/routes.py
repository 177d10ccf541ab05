import re

from flask import request
from flask_babel import gettext as _

from webapp.regions import bp, names, services
from webapp.web import render

# The id of the district <select> to reset out of band; the pattern keeps the id a plain name.
_ELEMENT_ID = re.compile(r"^[A-Za-z][\w-]{0,63}$")


@bp.app_template_filter("address")
def address_filter(text: str, district: str = "") -> str:
    """{{ order.address|address(order.district_code) }}: a stored address as read now."""
    return names.stored(text, district)


@bp.get("/cities")
def cities():
    """List a province's cities as <option>s, and empty the district list out of band."""
    reset = request.args.get("reset", "")
    options = names.options(services.cities(request.args.get("province")))
    return render("regions/_options.html", options=options,
                  blank=_("请选择城市"), reset=reset if _ELEMENT_ID.match(reset) else None)


@bp.get("/districts")
def districts():
    """List a city's districts as <option>s."""
    options = names.options(services.districts(request.args.get("city")))
    return render("regions/_options.html", options=options,
                  blank=_("请选择区县"), reset=None)
