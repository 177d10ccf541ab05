"""Which product categories need a licence, and which one: the one table the catalog, the
demands and the review read.

Food Safety Law art. 35: selling food needs a 食品经营许可证, except edible farm produce
(食用农产品: fresh fruit and vegetables), so 生鲜果蔬 is free; 肉禽蛋奶 (dairy is prepackaged
food), 粮油副食, 零食饮料 and 餐饮美食 need it. Drug Administration Law art. 51: selling medicine
needs a 药品经营许可证 (医药健康). The other categories need none here."""
from __future__ import annotations

from enum import StrEnum

from webapp.i18n.marks import N_


class LicenceKind(StrEnum):
    FOOD = "food"
    DRUG = "drug"


KIND_LABELS = {LicenceKind.FOOD: N_("食品经营许可证"), LicenceKind.DRUG: N_("药品经营许可证")}

# Category key (webapp/catalog/categories.py) -> the licence selling in it needs.
REGULATED: dict[str, LicenceKind] = {
    "meat": LicenceKind.FOOD,
    "grocery": LicenceKind.FOOD,
    "snacks": LicenceKind.FOOD,
    "meals": LicenceKind.FOOD,
    "health": LicenceKind.DRUG,
}

# Days before a licence's end when its merchant is told (banner and notification).
NOTICE_DAYS = (30, 7)


def licence_for(category: str) -> LicenceKind | None:
    """The licence selling in `category` needs, or None."""
    return REGULATED.get(category)


def categories_of(kind: LicenceKind) -> list[str]:
    """The categories a licence of `kind` opens."""
    return [category for category, needed in REGULATED.items() if needed is kind]
