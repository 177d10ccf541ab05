"""Product categories, shared by the catalog and buyers' demands. The labels are Chinese msgids,
lazily translated: each use shows the page's language."""
from flask_babel import lazy_gettext as _l

CATEGORIES: dict = {
    "produce": _l("生鲜果蔬"),
    "meat": _l("肉禽蛋奶"),
    "grocery": _l("粮油副食"),
    "snacks": _l("零食饮料"),
    "meals": _l("餐饮美食"),
    "household": _l("日用百货"),
    "baby": _l("母婴用品"),
    "health": _l("医药健康"),
    "digital": _l("数码家电"),
    "clothing": _l("服饰鞋包"),
    "flowers": _l("鲜花绿植"),
    "other": _l("其他"),
}
DEFAULT_CATEGORY = "other"


def category_label(key: str) -> str:
    """The category's label in the current language."""
    return str(CATEGORIES.get(key, CATEGORIES[DEFAULT_CATEGORY]))
