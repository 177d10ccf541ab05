"""How regions and addresses read (webapp/regions/names.py): the data's placeholder level
(市辖区, 县, 省直辖县级行政区划 …) never shown, and English names in English."""
from contextlib import contextmanager

import pytest
from flask_babel import refresh

from tests.support.helpers import url
from webapp.regions import names, services

EN = {"Accept-Language": "en-US,en;q=0.9"}


@contextmanager
def request(app, headers=None):
    """A request context in the language of `headers` (the test's app context keeps the last)."""
    with app.test_request_context("/", headers=headers or {}):
        refresh()
        yield

# (province, city, district) → Chinese label, English label.
LABELS = [
    (("11", "1101", "110105"), "北京市 朝阳区", "Chaoyang District, Beijing"),
    (("31", "3101", "310101"), "上海市 黄浦区", "Huangpu District, Shanghai"),
    (("50", "5002", "500229"), "重庆市 城口县", "Chengkou County, Chongqing"),
    (("50", "5001", "500101"), "重庆市 万州区", "Wanzhou District, Chongqing"),
    (("46", "4690", "469001"), "海南省 五指山市", "Wuzhishan, Hainan"),
    (("42", "4290", "429004"), "湖北省 仙桃市", "Xiantao, Hubei"),
    (("41", "4190", "419001"), "河南省 济源市", "Jiyuan, Henan"),
    (("65", "6590", "659001"), "新疆维吾尔自治区 石河子市", "Shihezi, Xinjiang"),
    (("44", "4401", "440105"), "广东省 广州市 海珠区", "Haizhu District, Guangzhou, Guangdong"),
    (("22", "2224", "222401"), "吉林省 延边朝鲜族自治州 延吉市",
     "Yanji, Yanbian Korean Autonomous Prefecture, Jilin"),
]


@pytest.mark.parametrize(("codes", "zh", "en"), LABELS)
def test_a_region_reads_without_its_placeholder_level(app, codes, zh, en):
    with request(app):
        assert names.label(*codes) == zh
        assert names.label(*codes, "建国路 88 号") == zh + " 建国路 88 号"
        assert services.full_name(*codes) == zh  # what snapshots store
    with request(app, EN):
        assert names.label(*codes) == en
        assert names.label(*codes, "建国路 88 号") == "建国路 88 号, " + en


ENGLISH = [
    ("北京市", "Beijing"), ("内蒙古自治区", "Inner Mongolia"), ("西藏自治区", "Tibet"),
    ("陕西省", "Shaanxi"), ("山西省", "Shanxi"), ("广东省", "Guangdong"), ("香港特别行政区", "Hong Kong"),
    ("澳门特别行政区", "Macao"), ("台湾省", "Taiwan"), ("广西壮族自治区", "Guangxi"),
    ("朝阳区", "Chaoyang District"), ("城口县", "Chengkou County"), ("西安市", "Xi'an"),
    ("长沙市", "Changsha"), ("厦门市", "Xiamen"), ("六安市", "Lu'an"), ("吕梁市", "Lüliang"),
    ("乌鲁木齐市", "Urumqi"), ("大兴安岭地区", "Daxing'anling Prefecture"), ("兴安盟", "Xing'an League"),
    ("恩施土家族苗族自治州", "Enshi Tujia and Miao Autonomous Prefecture"),
    ("延边朝鲜族自治州", "Yanbian Korean Autonomous Prefecture"),
    ("长白朝鲜族自治县", "Changbai Korean Autonomous County"),
    ("鄂伦春自治旗", "Oroqen Autonomous Banner"), ("扎鲁特旗", "Zhalute Banner"),
    ("神农架林区", "Shennongjia Forestry District"), ("市辖区", "City districts"),
]


@pytest.mark.parametrize(("chinese", "english"), ENGLISH)
def test_english_names(chinese, english):
    assert names.english(chinese) == english


def test_every_name_has_a_plain_english_form():
    for province, _ in services.provinces():
        for city, _ in services.cities(province):
            for code, name in [(city, services.name_of(city)), *services.districts(city)]:
                word = names.english(name)
                assert word and all(ord(ch) < 0x2E80 for ch in word), (code, name, word)


BEIJING = ("北京市 朝阳区 建国路 88 号", "建国路 88 号, Chaoyang District, Beijing")


@pytest.mark.parametrize(("text", "district", "zh", "en"), [
    ("北京市 市辖区 朝阳区 建国路 88 号", "110105", *BEIJING),
    ("北京市 朝阳区 建国路 88 号", "110105", *BEIJING),
    ("湖北省 省直辖县级行政区划 仙桃市 钱沟路 1 号", "429004", "湖北省 仙桃市 钱沟路 1 号",
     "钱沟路 1 号, Xiantao, Hubei"),
    ("北京市 市辖区 朝阳区 建国路 88 号", "", BEIJING[0], BEIJING[0]),
    # Written without spaces (the review's case), with or without the placeholder level.
    ("北京市朝阳区建国路 88 号", "110105", *BEIJING),
    ("北京市市辖区朝阳区建国路 88 号", "110105", *BEIJING),
    ("湖北省仙桃市钱沟路 1 号", "429004", "湖北省 仙桃市 钱沟路 1 号", "钱沟路 1 号, Xiantao, Hubei"),
    # Not led by the whole region: Chinese keeps the text; English strips what leads it and names
    # the region in English after the rest.
    ("朝阳区建国路 88 号", "110105", "朝阳区建国路 88 号", BEIJING[1]),
    ("北京朝阳建国路 88 号", "110105", "北京朝阳建国路 88 号",
     "北京朝阳建国路 88 号, Chaoyang District, Beijing"),
])
def test_a_stored_snapshot_reads_as_now(app, text, district, zh, en):
    with request(app):
        assert names.stored(text, district) == zh
    with request(app, EN):
        assert names.stored(text, district) == en


def test_pages_with_an_address_leave_out_the_placeholder(app, client, login_as, world, make_address,
                                                          add_to_cart, place):
    make_address(world.buyer, is_default=True)
    add_to_cart(world.buyer, world.product, 1)
    order = place(world.buyer, world.product)  # its snapshot says "北京市 市辖区 朝阳区 …"
    pages = [(world.buyer, url(app, "addresses.index")),
             (world.buyer, url(app, "orders.checkout", shop_id=world.shop.id)),
             (world.buyer, url(app, "orders.detail", order_id=order.id)),
             (world.merchant, url(app, "orders.board")),
             (world.merchant, url(app, "orders.detail", order_id=order.id))]
    for user, path in pages:
        login_as(user)
        page = client.get(path).text
        assert "北京市 朝阳区 建国路 1 号" in page and "市辖区" not in page, path
        page = client.get(path, headers=EN).text
        assert "建国路 1 号, Chaoyang District, Beijing" in page and "市辖区" not in page, path


def test_the_selects_are_in_english_in_english(app, client):
    page = client.get(url(app, "regions.cities", province="11"), headers=EN).text
    assert '<option value="1101">City districts</option>' in page
    page = client.get(url(app, "regions.districts", city="1101"), headers=EN).text
    assert '<option value="110105">Chaoyang District</option>' in page
    page = client.get(url(app, "regions.districts", city="1101")).text
    assert '<option value="110105">朝阳区</option>' in page
