import math
import re

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from webapp.errors import MESSAGES
from webapp.extensions import limiter
from webapp.regions import bp, locate, names, services
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


def _coordinate(name: str, limit: float) -> float | None:
    try:
        value = float(request.args.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) <= limit else None


def locate_limit() -> str:
    return current_app.config["LOCATE_LIMIT"]


@bp.errorhandler(429)
def too_many(error):
    """The address form reads the message of a refused lookup from JSON."""
    return jsonify(message=_(MESSAGES[429])), 429


@bp.get("/locate")
@limiter.limit(locate_limit)
def locate_point():
    """The province, city and district at a map pin (WGS-84 ?lat=&lng=), found offline, with the
    city and district options to fill the address form's selects; 404 with a message if none."""
    lat, lng = _coordinate("lat", 90), _coordinate("lng", 180)
    if lat is None or lng is None:
        return jsonify(message=_("位置无效")), 400
    code = locate.code_at(lat, lng)
    if code is None:
        return jsonify(message=_("这个位置不在已知的区县内，请手动选择省份、城市和区县。")), 404
    province, city = code[:2], code[:4]
    district = code if len(code) > 4 else ""
    return jsonify(province=province, city=city, district=district,
                   label=names.label(province, city, district),
                   cities=names.options(services.cities(province)),
                   districts=names.options(services.districts(city)))
