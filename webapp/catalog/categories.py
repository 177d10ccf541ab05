"""Product categories, shared by the catalog and (later) buyers' demands. Pure data."""

CATEGORIES: dict[str, str] = {
    "produce": "生鲜果蔬",
    "meat": "肉禽蛋奶",
    "grocery": "粮油副食",
    "snacks": "零食饮料",
    "meals": "餐饮美食",
    "household": "日用百货",
    "baby": "母婴用品",
    "health": "医药健康",
    "digital": "数码家电",
    "clothing": "服饰鞋包",
    "flowers": "鲜花绿植",
    "other": "其他",
}
DEFAULT_CATEGORY = "other"


def category_label(key: str) -> str:
    return CATEGORIES.get(key, CATEGORIES[DEFAULT_CATEGORY])
