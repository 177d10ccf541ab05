"""What buyers browse: the product page and photo, the home page (shops near the buyer, new
products) and the shop page's category chips."""
import re

import pytest
from sqlalchemy import event

from tests.support.helpers import HX, assert_error_page, assert_flash_error, assert_fragment, assert_page, url
from tests.support.images import jpeg_bytes
from webapp.extensions import db
from webapp.models import ShopStatus
from webapp.models.buyer import Address
from webapp.uploads import clean_image

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

CHAOYANG, DONGCHENG, HAIDIAN = "110105", "110101", "110108"  # Beijing
XUHUI = "310104"  # Shanghai


def add_address(user, district: str, *, default: bool = False) -> Address:
    address = Address(user_id=user.id, contact_name="张三", mobile="13912345678",
                      province_code=district[:2], city_code=district[:4], district_code=district,
                      detail="建国路 1 号", is_default=default)
    db.session.add(address)
    db.session.commit()
    return address


def with_photo(product):
    """Give `product` a stored photo through the catalog service."""
    from webapp.catalog.services import update_product

    return update_product(product, title=product.title, description=product.description,
                          price_fen=product.price_fen, stock=product.stock,
                          stock_seen=product.stock, published=product.published,
                          photo=clean_image(jpeg_bytes()))


# The product page.

@pytest.mark.parametrize("who", ["anonymous", "buyer"])
def test_the_product_page_shows_the_product_its_shop_and_the_cart_form(app, client, login_as,
                                                                     world, make_product, who):
    product = make_product(world.shop, title="丹东草莓 500g", description="当季现摘\n冷链到家",
                           category="produce", price_fen=4580, stock=12, low_stock_at=5)
    if who == "buyer":
        login_as(world.buyer)
    text = assert_page(client.get(url(app, "shops.product", product_id=product.id)),
                       f"product-{product.id}-page")
    assert "丹东草莓 500g" in text and "¥45.80" in text and "生鲜果蔬" in text
    assert "当季现摘\n冷链到家" in text
    assert "库存 12 件" in text and "仅剩" not in text
    assert f'href="{url(app, "shops.detail", handle=world.shop.handle)}"' in text
    assert world.shop.name in text and "实名认证" in text
    form = re.search(r'<form id="add-to-cart"[^>]*>', text).group(0)
    assert f'action="{url(app, "cart.add")}"' in form
    assert f'name="product_id" value="{product.id}"' in text
    assert "photo-empty" in text and "暂无照片" in text  # a placeholder, not a broken image
    assert url(app, "catalog.edit", product_id=product.id) not in text


def test_low_stock_says_how_many_are_left(app, client, world, make_product):
    product = make_product(world.shop, stock=3, low_stock_at=5)
    text = client.get(url(app, "shops.product", product_id=product.id)).text
    assert "仅剩 3 件" in text
    sold_out = make_product(world.shop, stock=0)
    text = client.get(url(app, "shops.product", product_id=sold_out.id)).text
    assert "已售罄" in text and "加入购物车" not in text


def test_its_merchant_sees_an_edit_link_and_no_cart_form(app, client, login_as, world):
    login_as(world.merchant)
    text = assert_page(client.get(url(app, "shops.product", product_id=world.product.id)))
    assert f'href="{url(app, "catalog.edit", product_id=world.product.id)}"' in text
    assert ">编辑</a>" in text and 'id="add-to-cart"' not in text


def test_another_merchant_sees_neither_edit_nor_cart(app, client, login_as, world):
    login_as(world.other_merchant)
    text = assert_page(client.get(url(app, "shops.product", product_id=world.product.id)))
    assert url(app, "catalog.edit", product_id=world.product.id) not in text
    assert 'id="add-to-cart"' not in text


@pytest.mark.parametrize("who", ["anonymous", "buyer", "other_merchant"])
def test_an_unpublished_product_is_404_to_all_but_its_merchant(app, client, login_as, world,
                                                               make_product, who):
    hidden = make_product(world.shop, title="下架的白菜", published=False)
    if who != "anonymous":
        login_as(getattr(world, who))
    path = url(app, "shops.product", product_id=hidden.id)
    assert_error_page(client.get(path), 404, "该商品已下架或不存在")
    assert_flash_error(client.get(path, headers=HX), 404, "该商品已下架或不存在")


def test_its_merchant_previews_an_unpublished_product(app, client, login_as, world,
                                                      make_product):
    hidden = make_product(world.shop, title="下架的白菜", published=False)
    login_as(world.merchant)
    text = assert_page(client.get(url(app, "shops.product", product_id=hidden.id)))
    assert "下架的白菜" in text and "只有你能看到这一页" in text


def test_a_suspended_shops_product_is_404(app, client, login_as, world):
    world.shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    login_as(world.buyer)
    assert_error_page(client.get(url(app, "shops.product", product_id=world.product.id)), 404,
                      "该商品已下架或不存在")


def test_an_unknown_product_is_404(app, client):
    assert_error_page(client.get(url(app, "shops.product", product_id=999999)), 404, "该商品已下架或不存在")


# The product photo.

def test_a_published_photo_is_public_and_cached_for_a_while(app, client, world):
    with_photo(world.product)
    text = client.get(url(app, "shops.product", product_id=world.product.id)).text
    src = re.search(r'<img class="product-hero-photo" src="([^"]+)"', text).group(1)
    assert src.startswith(url(app, "shops.product_photo", product_id=world.product.id) + "?v=")
    with client.get(src) as response:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"] == "public, max-age=600"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.data.startswith(b"\xff\xd8")


@pytest.mark.parametrize("who", ["anonymous", "buyer", "other_merchant"])
def test_an_unpublished_products_photo_is_404_to_others(app, client, login_as, world, who):
    with_photo(world.product)
    world.product.published = False
    db.session.commit()
    if who != "anonymous":
        login_as(getattr(world, who))
    response = client.get(url(app, "shops.product_photo", product_id=world.product.id))
    assert response.status_code == 404 and not response.data.startswith(b"\xff\xd8")


def test_its_merchant_sees_the_unpublished_photo_uncached(app, client, login_as, world):
    with_photo(world.product)
    world.product.published = False
    db.session.commit()
    login_as(world.merchant)
    with client.get(url(app, "shops.product_photo", product_id=world.product.id)) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"


def test_a_suspended_shops_photo_is_404_and_no_photo_is_404(app, client, world, make_product):
    assert client.get(url(app, "shops.product_photo",
                          product_id=world.product.id)).status_code == 404  # none yet
    with_photo(world.product)
    with client.get(url(app, "shops.product_photo", product_id=world.product.id)) as response:
        assert response.status_code == 200
    world.shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    assert client.get(url(app, "shops.product_photo",
                          product_id=world.product.id)).status_code == 404


# Product cards.

def test_cards_link_to_the_product_page_with_the_photo(app, client, world):
    with_photo(world.product)
    text = client.get(url(app, "shops.detail", handle=world.shop.handle), headers=HX).text
    card = re.search(rf'<article[^>]*id="product-{world.product.id}".*?</article>', text,
                     re.S).group(0)
    page = url(app, "shops.product", product_id=world.product.id)
    assert f'<h3><a href="{page}">{world.product.title}</a></h3>' in card
    assert f'<a class="button primary block" href="{page}">购买</a>' in card
    assert url(app, "shops.product_photo", product_id=world.product.id) + "?v=" in card
    assert "/orders/checkout" not in card


# The home page.

@pytest.fixture
def city(world, make_shop):
    """world's shop in Chaoyang, another in Dongcheng (same city), one in Shanghai."""
    world.shop.district_code = CHAOYANG
    world.other_shop.district_code = XUHUI
    db.session.commit()
    world.dongcheng = make_shop(name="东城小店", district_code=DONGCHENG)
    return world


def shop_ids(text: str, prefix: str) -> set[int]:
    return {int(n) for n in re.findall(rf'id="{prefix}-(\d+)"', text)}


def test_a_buyer_with_an_address_sees_the_shops_of_their_district(app, client, login_as, city):
    login_as(city.buyer)
    add_address(city.buyer, CHAOYANG, default=True)
    add_address(city.buyer, XUHUI)  # newer, but not the default
    text = assert_page(client.get(url(app, "shops.index")), "nearby-shops")
    assert "附近的店铺" in text and "朝阳区" in text and "认证店铺</h2>" not in text
    assert shop_ids(text, "nearby-shop") == {city.shop.id}
    assert f'href="{url(app, "shops.directory")}"' in text


def test_without_a_default_the_newest_address_counts(app, client, login_as, city):
    login_as(city.buyer)
    add_address(city.buyer, CHAOYANG)
    add_address(city.buyer, XUHUI)
    text = client.get(url(app, "shops.index")).text
    assert shop_ids(text, "nearby-shop") == {city.other_shop.id}


def test_no_shop_in_the_district_falls_back_to_the_city_and_says_so(app, client, login_as,
                                                                    city):
    login_as(city.buyer)
    add_address(city.buyer, HAIDIAN, default=True)
    text = client.get(url(app, "shops.index")).text
    assert shop_ids(text, "nearby-shop") == {city.shop.id, city.dongcheng.id}
    assert "海淀区暂时没有认证店铺，下面是北京市的其他店铺" in text


def test_no_shop_in_the_city_says_so_and_links_to_all(app, client, login_as, city):
    login_as(city.buyer)
    add_address(city.buyer, "440106", default=True)  # Guangzhou, Tianhe
    text = client.get(url(app, "shops.index")).text
    assert shop_ids(text, "nearby-shop") == set()
    assert "附近还没有认证店铺" in text and url(app, "shops.directory") in text


def test_a_suspended_shop_is_not_nearby(app, client, login_as, city):
    city.shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    login_as(city.buyer)
    add_address(city.buyer, CHAOYANG, default=True)
    text = client.get(url(app, "shops.index")).text
    assert shop_ids(text, "nearby-shop") == {city.dongcheng.id}


@pytest.mark.parametrize("who", ["anonymous", "buyer_without_address", "merchant"])
def test_others_see_every_verified_shop(app, client, login_as, city, who):
    if who == "buyer_without_address":
        login_as(city.buyer)
    elif who == "merchant":
        login_as(city.merchant)
    text = assert_page(client.get(url(app, "shops.index")), "verified-shops")
    assert "nearby-shops" not in text
    for shop in (city.shop, city.other_shop, city.dongcheng):
        assert f'href="{url(app, "shops.detail", handle=shop.handle)}"' in text


def test_the_district_in_the_address_bar_overrides(app, client, login_as, city):
    login_as(city.buyer)
    add_address(city.buyer, CHAOYANG, default=True)
    text = client.get(url(app, "shops.index", district=XUHUI)).text
    assert shop_ids(text, "nearby-shop") == {city.other_shop.id} and "徐汇区" in text
    anonymous = app.test_client()
    text = anonymous.get(url(app, "shops.index", district=DONGCHENG)).text
    assert shop_ids(text, "nearby-shop") == {city.dongcheng.id}


@pytest.mark.parametrize("district", ["999999", "11", "1101", "abc", "", "110105x"])
def test_an_unknown_district_is_ignored(app, client, login_as, city, district):
    login_as(city.buyer)
    add_address(city.buyer, CHAOYANG, default=True)
    text = assert_page(client.get(url(app, "shops.index", district=district)))
    assert shop_ids(text, "nearby-shop") == {city.shop.id}


def test_new_products_are_the_twelve_newest_on_sale(app, client, world, make_product):
    made = [make_product(world.shop if n % 2 else world.other_shop, title=f"新品 {n:02d}")
            for n in range(14)]
    make_product(world.shop, title="下架的新品", published=False)
    world.other_shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    text = assert_page(client.get(url(app, "shops.index")), "new-products")
    section = text[text.index('id="new-products"'):]
    shown = [int(n) for n in re.findall(r'id="new-product-(\d+)"', section)]
    on_sale = [p.id for p in made if p.shop_id == world.shop.id] + [world.product.id]
    assert shown == sorted(on_sale, reverse=True)[:12]
    assert "下架的新品" not in section
    assert world.shop.name in section and world.other_shop.name not in section


def test_new_products_load_their_shops_in_the_same_query(app, client, world, make_shop,
                                                         make_product):
    for _ in range(6):
        shop = make_shop()
        make_product(shop)
        make_product(shop)
    statements = []

    def count(conn, cursor, statement, *args):
        if "FROM product" in statement or "FROM shop" in statement:
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        text = client.get(url(app, "shops.index")).text
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(re.findall(r'id="new-product-\d+"', text)) == 12
    assert len(statements) <= 3, statements  # shops, new products (+ nothing per card)


# The directory and the shop page's categories.

def test_the_directory_lists_every_active_shop(app, client, world):
    world.other_shop.status = ShopStatus.SUSPENDED
    db.session.commit()
    text = assert_page(client.get(url(app, "shops.directory")), "shop-directory")
    assert f'id="shop-{world.shop.id}"' in text and f'id="shop-{world.other_shop.id}"' not in text


@pytest.fixture
def stocked(world, make_product):
    world.strawberry = make_product(world.shop, title="草莓", category="produce")
    world.cola = make_product(world.shop, title="可乐", category="snacks")
    world.hidden = make_product(world.shop, title="下架果汁", category="snacks", published=False)
    return world


def chips(text: str) -> list[str]:
    return re.findall(r'<a class="chip[^"]*"[^>]*>([^<]+)', text)


def test_the_shop_page_offers_its_categories_as_chips(app, client, stocked):
    text = assert_page(client.get(url(app, "shops.detail", handle=stocked.shop.handle)),
                       f"shop-{stocked.shop.id}-products")
    assert [c.strip() for c in chips(text)] == ["全部", "生鲜果蔬", "零食饮料", "其他"]
    assert re.search(r'零食饮料 <span class="count">1</span>', text)  # the hidden one not counted
    assert "草莓" in text and "可乐" in text and stocked.product.title in text


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_chip_shows_one_category(app, client, stocked, htmx):
    path = url(app, "shops.detail", handle=stocked.shop.handle, category="snacks")
    response = client.get(path, headers=HX if htmx else {})
    root = f"shop-{stocked.shop.id}-products"
    text = assert_fragment(response, root) if htmx else assert_page(response, root)
    assert "可乐" in text and "草莓" not in text and "下架果汁" not in text
    assert re.search(rf'<a class="chip active" href="{re.escape(path)}" aria-current="page"', text)
    assert f'hx-target="#{root}"' in text and 'hx-push-url="true"' in text


@pytest.mark.parametrize("category", ["caviar", "", "../x"])
def test_an_unknown_category_is_ignored(app, client, stocked, category):
    text = client.get(url(app, "shops.detail", handle=stocked.shop.handle, category=category),
                      headers=HX).text
    assert "可乐" in text and "草莓" in text
    assert re.search(r'<a class="chip active"[^>]*>全部', text)


def test_a_shop_with_one_category_shows_no_chips(app, client, world):
    text = client.get(url(app, "shops.detail", handle=world.shop.handle)).text
    assert 'class="chips"' not in text and world.product.title in text
