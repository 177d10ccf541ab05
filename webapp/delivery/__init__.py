from flask import Blueprint

from webapp.delivery import navigation
from webapp.delivery.geo import distance_m

bp = Blueprint("delivery", __name__, url_prefix="/delivery")
# For the courier's cards and page (navigation links) and the proof (distance from the pin).
bp.add_app_template_global(navigation.links, "navigation_links")
bp.add_app_template_global(distance_m, "distance_m")
