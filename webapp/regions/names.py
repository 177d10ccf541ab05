"""How a region or an address reads: the one place that formats them, in Chinese or English.

The data's in-between levels of municipalities and province-governed counties (北京市 → 市辖区 →
朝阳区) are never shown: "北京市 朝阳区 建国路 88 号", "建国路 88 号, Chaoyang District, Beijing".
English names are pinyin from the Chinese ones with the level spelled out ("Chaoyang District",
"Yanbian Korean Autonomous Prefecture"), with a small table of names that have their own form
(Inner Mongolia, Tibet, Shaanxi) and of place names whose characters read otherwise elsewhere.
"""
from __future__ import annotations

from functools import cache

from flask import has_request_context
from flask_babel import get_locale
from pypinyin import Style, lazy_pinyin

from webapp.regions import services

PLACEHOLDERS = services.PLACEHOLDERS

# Whole names with an English form of their own.
SPECIAL = {
    "北京市": "Beijing", "天津市": "Tianjin", "上海市": "Shanghai", "重庆市": "Chongqing",
    "内蒙古自治区": "Inner Mongolia", "广西壮族自治区": "Guangxi", "西藏自治区": "Tibet",
    "宁夏回族自治区": "Ningxia", "新疆维吾尔自治区": "Xinjiang", "陕西省": "Shaanxi",
    "香港特别行政区": "Hong Kong", "澳门特别行政区": "Macao", "台湾省": "Taiwan",
    "市辖区": "City districts", "县": "Counties", "省直辖县级行政区划": "Province-governed",
    "自治区直辖县级行政区划": "Region-governed",
}

# Stems whose characters pypinyin reads another way in ordinary words.
READINGS = {
    "厦门": "Xiamen", "六安": "Lu'an", "蚌埠": "Bengbu", "丽水": "Lishui", "番禺": "Panyu",
    "东阿": "Dong'e", "铅山": "Yanshan", "乐清": "Yueqing", "单": "Shan", "长治": "Changzhi",
    "长沙": "Changsha", "长春": "Changchun", "重庆": "Chongqing", "蔚": "Yu", "大城": "Dacheng",
    "莘": "Shen", "洪洞": "Hongtong", "涡阳": "Guoyang", "黄陂": "Huangpi", "枞阳": "Zongyang",
    "亳州": "Bozhou", "鄱阳": "Poyang", "解放": "Jiefang", "朝阳": "Chaoyang", "长安": "Chang'an",
    "乐山": "Leshan", "乐亭": "Laoting", "乐陵": "Laoling", "长子": "Zhangzi", "漯河": "Luohe",
    "信都": "Xindu", "哈尔滨": "Harbin", "齐齐哈尔": "Qiqihar", "呼和浩特": "Hohhot",
    "乌鲁木齐": "Urumqi", "拉萨": "Lhasa", "日喀则": "Shigatse", "昌都": "Qamdo", "林芝": "Nyingchi",
    "那曲": "Nagqu", "阿里": "Ngari", "喀什": "Kashgar", "和田": "Hotan", "阿克苏": "Aksu",
    "阿勒泰": "Altay", "吐鲁番": "Turpan", "克拉玛依": "Karamay", "伊犁": "Ili", "博尔塔拉": "Bortala",
    "巴音郭楞": "Bayingolin", "克孜勒苏": "Kizilsu", "鄂尔多斯": "Ordos", "呼伦贝尔": "Hulunbuir",
    "巴彦淖尔": "Bayannur", "乌兰察布": "Ulanqab", "锡林郭勒": "Xilingol", "阿拉善": "Alxa",
}
# Characters read one way in place names whatever pypinyin's dictionary says for the word.
CHARACTERS = {"长": "chang"}

# Suffix → English level, longest first; "{}" is where the rest of the name goes.
LEVELS = (
    ("自治州", "{} Autonomous Prefecture"), ("自治县", "{} Autonomous County"),
    ("自治旗", "{} Autonomous Banner"), ("林区", "{} Forestry District"), ("特区", "{} Special District"),
    ("新区", "{} New Area"), ("地区", "{} Prefecture"), ("街道", "{} Subdistrict"),
    ("省", "{}"), ("市", "{}"), ("区", "{} District"), ("县", "{} County"), ("旗", "{} Banner"),
    ("盟", "{} League"), ("镇", "{} Town"),
)

# Peoples named in autonomous prefectures, counties and banners, longest first when matched.
PEOPLES = {
    "朝鲜族": "Korean", "藏族": "Tibetan", "彝族": "Yi", "苗族": "Miao", "土家族": "Tujia",
    "蒙古族": "Mongol", "蒙古": "Mongol", "回族": "Hui", "哈萨克族": "Kazakh", "哈萨克": "Kazakh",
    "柯尔克孜": "Kirgiz", "傣族": "Dai", "景颇族": "Jingpo", "傈僳族": "Lisu", "白族": "Bai",
    "哈尼族": "Hani", "壮族": "Zhuang", "布依族": "Bouyei", "侗族": "Dong", "羌族": "Qiang",
    "瑶族": "Yao", "满族": "Manchu", "畲族": "She", "黎族": "Li", "纳西族": "Naxi", "仫佬族": "Mulao",
    "毛南族": "Maonan", "仡佬族": "Gelao", "水族": "Sui", "拉祜族": "Lahu", "佤族": "Va",
    "独龙族": "Derung", "怒族": "Nu", "普米族": "Pumi", "土族": "Tu", "撒拉族": "Salar",
    "保安族": "Bonan", "东乡族": "Dongxiang", "裕固族": "Yugur", "达斡尔族": "Daur",
    "鄂温克族": "Ewenki", "鄂伦春": "Oroqen", "锡伯": "Xibe", "塔吉克": "Tajik", "各族": "Multi-ethnic",
    "维吾尔": "Uyghur", "京族": "Gin", "阿昌族": "Achang", "德昂族": "De'ang", "布朗族": "Blang",
}


def pinyin(text: str) -> str:
    """"朝阳" → "Chaoyang", "西安" → "Xi'an": one word, apostrophe before a, o or e."""
    if text in READINGS:
        return READINGS[text]
    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)
    syllables = [CHARACTERS.get(ch, syl) if len(syllables) == len(text) else syl
                 for ch, syl in zip(text, syllables, strict=False)]
    word = syllables[0] if syllables else ""
    for syllable in syllables[1:]:
        word += ("'" if syllable[:1] in ("a", "o", "e") else "") + syllable
    return word[:1].upper() + word[1:]


def _peoples(stem: str) -> tuple[str, list[str]]:
    """Split the peoples off the end of an autonomous area's stem: 恩施土家族苗族 → 恩施, Tujia, Miao."""
    found: list[str] = []
    while True:
        match = next((p for p in sorted(PEOPLES, key=len, reverse=True) if stem.endswith(p)), None)
        if match is None:
            return stem, found
        found.insert(0, PEOPLES[match])
        stem = stem[: -len(match)]


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@cache
def english(name: str) -> str:
    """The English form of one Chinese region name."""
    if name in SPECIAL:
        return SPECIAL[name]
    for suffix, form in LEVELS:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                stem, peoples = _peoples(stem)
                words = [pinyin(stem)] if stem else []
                return form.format(" ".join([*words, *([_joined(peoples)] if peoples else [])]))
            return form.format(pinyin(stem))
    return pinyin(name)


def in_english() -> bool:
    return has_request_context() and str(get_locale() or "").startswith("en")


def display_name(code: object) -> str:
    """A region's name in the page's language; "" for an unknown code."""
    name = services.name_of(code) or ""
    return english(name) if name and in_english() else name


def options(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(code, name) pairs of a select, the names in the page's language."""
    return [(code, english(name)) for code, name in pairs] if in_english() else pairs


def label(province: object, city: object, district: object, detail: str = "") -> str:
    """A region and optional street as read in the page's language, placeholder levels left out."""
    codes = [code for code in (province, city, district)
             if services.name_of(code) and services.name_of(code) not in PLACEHOLDERS]
    if not in_english():
        return " ".join([*(services.name_of(code) for code in codes), detail.strip()]).strip()
    names = [english(services.name_of(code)) for code in reversed(codes)]
    return ", ".join(part for part in [detail.strip(), *names] if part)


def of_district(district: object, detail: str = "") -> str:
    """label() for a district code alone (its province and city are its first digits)."""
    code = district if isinstance(district, str) else ""
    return label(code[:2], code[:4], code, detail)


def _strip_region(text: str, names: list[str]) -> tuple[str, bool]:
    """`text` without the region names that lead it (each in order, spaces or none between) and
    whether every one but the placeholder levels was there."""
    rest, whole = text, True
    for name in names:
        rest = rest.lstrip()
        if rest.startswith(name):
            rest = rest[len(name):]
        elif name not in PLACEHOLDERS:
            whole = False
    return rest.strip(), whole


def stored(text: str, district: object) -> str:
    """A stored address snapshot ("北京市 市辖区 朝阳区 建国路 88 号", written in Chinese when the
    order or shop was made, with or without the placeholder level and the spaces) as read now:
    its region part re-told from the district code. Not led by its whole region, it stays as
    written in Chinese; in English the region names that lead it go and the region follows in
    English, so no Chinese region is left on an English page."""
    code = district if isinstance(district, str) else ""
    text = text or ""
    names = [name for name in dict.fromkeys(services.name_of(c) for c in (code[:2], code[:4], code))
             if name]
    if services.name_of(code):
        rest, whole = _strip_region(text, names)
        if whole or in_english():
            return of_district(code, rest)
    return " ".join(word for word in text.split(" ") if word not in PLACEHOLDERS)
