"""The two-pane product manager: list and form pane both ways, photos, categories, the
low-stock level and its badge, and what another merchant cannot reach."""
import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from tests.support.helpers import (
    HX,
    assert_error_page,
    assert_flash_error,
    assert_fragment,
    assert_page,
    assert_redirect,
    input_value,
    selected_option,
    stored_files,
    upload,
    url,
)
from tests.support.images import encode, exif_with_gps, jpeg_bytes, photo
from webapp.extensions import db
from webapp.models import Product, ProductVariant

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

NEW_PRODUCT = {"title": "有机西兰花", "description": "当天采摘", "category": "produce",
               "price": "8.80", "stock": "3", "low_stock_at": "2", "published": "y"}


def count_products() -> int:
    return db.session.scalar(select(func.count(Product.id)))


def fresh(product: Product) -> Product:
    db.session.expire_all()
    return db.session.get(Product, product.id)


def gps_jpeg(size=(40, 20)) -> bytes:
    """A phone photo with the camera make and GPS position in its EXIF."""
    data = encode(photo(size), "JPEG", exif=exif_with_gps())
    assert b"GPS" in data and b"SecretCam" in data
    return data


def form_pane(text: str) -> str:
    """The product form alone (the list's filters above it have a category select too)."""
    match = re.search(r'<form id="product-form".*?</form>', text, re.S)
    assert match is not None, "no product form"
    return match.group(0)


def row_of(text: str, product_id: int) -> str:
    match = re.search(rf'<li class="product-row[^"]*" id="product-row-{product_id}".*?</li>',
                      text, re.S)
    assert match is not None, f"no row {product_id}"
    return match.group(0)


@pytest.fixture
def merchant(client, login_as, world):
    return login_as(world.merchant)


# The two panes.

def test_the_manager_shows_the_list_beside_a_new_product_form(app, client, merchant, world):
    text = assert_page(client.get(url(app, "catalog.products")), "product-pane")
    assert 'id="product-list"' in text and 'id="product-form"' in text
    assert text.index('id="product-list"') < text.index('id="product-pane"')
    assert f'id="product-row-{world.product.id}"' in text
    new = url(app, "catalog.products")
    assert re.search(rf'<a class="button primary" href="{new}"\s+hx-get="{new}" '
                     r'hx-target="#product-pane" hx-swap="innerHTML" hx-push-url="true">', text)
    # The form is multipart, for htmx too, and the photo input opens the camera on a phone.
    form = re.search(r'<form id="product-form"[^>]*>', text).group(0)
    assert 'enctype="multipart/form-data"' in form and 'hx-encoding="multipart/form-data"' in form
    photo_input = re.search(r'<input[^>]*name="photo"[^>]*>', text).group(0)
    assert 'type="file"' in photo_input and 'capture="environment"' in photo_input
    assert 'accept="image/jpeg,image/png,image/webp"' in photo_input
    assert selected_option(form_pane(text), "category") == "other"
    assert input_value(text, "low_stock_at") == "5"
    assert 'class="manager"' in text  # nothing chosen: the list comes first on a phone too


def test_a_row_opens_its_form_in_the_pane_and_its_url_shows_both_panes(app, client, merchant,
                                                                        world):
    edit = url(app, "catalog.edit", product_id=world.product.id)
    page = assert_page(client.get(url(app, "catalog.products")))
    row = row_of(page, world.product.id)
    assert re.search(rf'href="{edit}"\s+hx-get="{edit}" hx-target="#product-pane" '
                     r'hx-swap="innerHTML" hx-push-url="true"', row)

    fragment = assert_fragment(client.get(edit, headers=HX), "product-editor")
    assert "product-list" not in fragment and "product-row-" not in fragment
    assert f'data-product="{world.product.id}"' in fragment
    assert input_value(fragment, "title") == world.product.title

    page = assert_page(client.get(edit), "product-list")
    assert 'class="manager editing"' in page  # on a phone, the form comes first
    assert input_value(page, "title") == world.product.title
    assert 'aria-current="true"' in row_of(page, world.product.id)
    assert page.count('aria-current="true"') == 1


def test_new_product_form_is_a_fragment_for_the_pane(app, client, merchant, world):
    text = assert_fragment(client.get(url(app, "catalog.products"), headers=HX), "product-editor")
    assert "新商品" in text and "data-product=" not in text and "product-row-" not in text
    assert not input_value(text, "title")


def test_the_list_is_its_own_fragment_and_follows_saves(app, client, merchant, world,
                                                        make_product):
    make_product(world.other_shop, title="别家的商品")
    path = url(app, "catalog.product_list")
    text = assert_fragment(client.get(path, headers=HX), "product-list")
    assert world.product.title in text and "别家的商品" not in text
    assert 'hx-trigger="catalog:changed from:body"' in text
    assert f'hx-get="{path}"' in text
    assert_page(client.get(path), "product-form")

    response = client.post(url(app, "catalog.products"), headers=HX, data=NEW_PRODUCT)
    assert response.headers["HX-Trigger"] == "catalog:changed"
    assert "有机西兰花" in client.get(path, headers=HX).text


def test_publishing_from_the_list_tells_the_open_form(app, client, merchant, world):
    response = client.post(url(app, "catalog.publish", product_id=world.product.id), headers=HX,
                           data={"published": "0"})
    assert_fragment(response, f"product-row-{world.product.id}")
    assert json.loads(response.headers["HX-Trigger"]) == {
        "catalog:published": {"id": world.product.id, "published": False}}


# Fields.

@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_category_and_low_stock_level_are_saved(app, client, merchant, world, htmx):
    client.post(url(app, "catalog.products"), headers=HX if htmx else {}, data=NEW_PRODUCT)
    product = db.session.scalar(select(Product).where(Product.title == "有机西兰花"))
    assert (product.category, product.low_stock_at, product.category_label) == (
        "produce", 2, "生鲜果蔬")
    text = client.get(url(app, "catalog.edit", product_id=product.id)).text
    assert selected_option(form_pane(text), "category") == "produce"
    assert input_value(text, "low_stock_at") == "2"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("category", "caviar", "请选择商品分类"),
    ("category", "", "请选择商品分类"),
    ("low_stock_at", "-1", "提醒数量需为 0 到 100000 的整数"),
    ("low_stock_at", "100001", "提醒数量需为 0 到 100000 的整数"),
    ("price", "1.234", "请输入大于 0 的价格"),
])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_bad_category_level_or_price_is_refused_and_nothing_saved(app, client, merchant, world,
                                                                  field, value, message, htmx):
    before = count_products()
    data = {**NEW_PRODUCT, field: value, "photo": upload(jpeg_bytes(), "broccoli.jpg")}
    response = client.post(url(app, "catalog.products"), headers=HX if htmx else {}, data=data)
    text = (assert_fragment if htmx else assert_page)(response, "product-editor", status=422)
    assert message in text
    assert input_value(text, "title") == "有机西兰花"
    assert count_products() == before
    assert stored_files(app) == []  # the photo was fine, but nothing was saved


def test_an_unknown_category_on_edit_changes_nothing(app, client, merchant, world):
    response = client.post(url(app, "catalog.edit", product_id=world.product.id), headers=HX,
                           data={"title": "新名字", "price": "9.90", "stock": "5",
                                 "category": "../etc", "published": "y"})
    assert "请选择商品分类" in assert_fragment(response, "product-editor", status=422)
    product = fresh(world.product)
    assert (product.title, product.category) == (world.product.title, "other")


def test_an_empty_low_stock_level_means_the_usual_five(app, client, merchant, world):
    client.post(url(app, "catalog.products"), data={**NEW_PRODUCT, "low_stock_at": ""})
    assert db.session.scalar(select(Product.low_stock_at).where(
        Product.title == "有机西兰花")) == 5


# Photos.

def stored_product_photos(app) -> list:
    return [p for p in stored_files(app) if p.parent.name == "products"]


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_photo_is_stored_re_encoded_without_exif(app, client, merchant, world, htmx):
    data = {**NEW_PRODUCT, "photo": upload(gps_jpeg(), "IMG_0001.jpg")}
    response = client.post(url(app, "catalog.products"), headers=HX if htmx else {}, data=data)
    assert response.status_code in (200, 303)
    product = db.session.scalar(select(Product).where(Product.title == "有机西兰花"))
    assert product.image and product.image.startswith("products/")
    assert "IMG_0001" not in product.image
    [path] = stored_product_photos(app)
    raw = path.read_bytes()
    for marker in (b"Exif", b"GPS", b"SecretCam"):
        assert marker not in raw
    with Image.open(io.BytesIO(raw)) as image:
        assert image.format == "JPEG" and len(image.getexif()) == 0
        assert image.size == (20, 40)  # turned upright as the EXIF said
    # The row and the pane show it, from the product's photo route.
    photo_path = url(app, "shops.product_photo", product_id=product.id)
    page = client.get(url(app, "catalog.edit", product_id=product.id)).text
    assert f'<img class="thumb" src="{photo_path}?v=' in row_of(page, product.id)
    with client.get(re.search(rf'src="({re.escape(photo_path)}\?v=[^"]+)"',
                              page).group(1)) as served:
        assert served.status_code == 200 and served.data == raw


def test_a_large_photo_is_scaled_down_for_the_shop(app, client, merchant, world):
    big = encode(Image.new("RGB", (2400, 1600), (200, 80, 40)), "JPEG")
    client.post(url(app, "catalog.products"), data={**NEW_PRODUCT, "photo": upload(big)})
    [path] = stored_product_photos(app)
    with Image.open(path) as image:
        assert image.size == (1200, 800)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_a_file_that_is_not_an_image_is_refused_and_nothing_saved(app, client, merchant, world,
                                                                  htmx):
    before = count_products()
    data = {**NEW_PRODUCT, "photo": upload(b"%PDF-1.4 not a photo", "menu.jpg")}
    response = client.post(url(app, "catalog.products"), headers=HX if htmx else {}, data=data)
    text = (assert_fragment if htmx else assert_page)(response, "product-editor", status=422)
    assert re.search(r'<p class="error" id="photo-error">请上传 JPEG、PNG 或 WebP 图片</p>', text)
    assert input_value(text, "title") == "有机西兰花" and input_value(text, "price") == "8.80"
    assert count_products() == before
    assert stored_files(app) == []


def test_a_new_photo_replaces_the_old_file_after_saving(app, client, merchant, world):
    edit = url(app, "catalog.edit", product_id=world.product.id)
    form = {"title": world.product.title, "price": "12.50", "stock": "5", "published": "y"}
    client.post(edit, data={**form, "photo": upload(jpeg_bytes(colour=(200, 0, 0)))})
    first = fresh(world.product).image
    [old_path] = stored_product_photos(app)
    response = client.post(edit, headers=HX,
                           data={**form, "photo": upload(jpeg_bytes(colour=(0, 0, 200)))})
    assert "已保存" in assert_fragment(response, "product-editor")
    second = fresh(world.product).image
    assert second and second != first
    [new_path] = stored_product_photos(app)
    assert new_path != old_path and not old_path.exists()


def test_a_refused_photo_on_edit_keeps_the_old_one(app, client, merchant, world):
    edit = url(app, "catalog.edit", product_id=world.product.id)
    form = {"title": "改过的名字", "price": "12.50", "stock": "5", "published": "y"}
    client.post(edit, data={**form, "title": world.product.title,
                            "photo": upload(jpeg_bytes())})
    before = fresh(world.product).image
    response = client.post(edit, headers=HX, data={**form, "photo": upload(b"GIF89a....")})
    assert "请上传 JPEG、PNG 或 WebP 图片" in assert_fragment(response, "product-editor", 422)
    product = fresh(world.product)
    assert (product.image, product.title) == (before, world.product.title)
    assert len(stored_product_photos(app)) == 1


def test_a_photo_can_be_removed(app, client, merchant, world):
    edit = url(app, "catalog.edit", product_id=world.product.id)
    form = {"title": world.product.title, "price": "12.50", "stock": "5", "published": "y"}
    client.post(edit, data={**form, "photo": upload(jpeg_bytes())})
    assert 'name="remove_photo"' in client.get(edit).text
    client.post(edit, data={**form, "remove_photo": "y"})
    assert fresh(world.product).image is None
    assert stored_product_photos(app) == []
    assert 'name="remove_photo"' not in client.get(edit).text


def test_a_stock_conflict_stores_no_photo(app, client, merchant, world):
    edit = url(app, "catalog.edit", product_id=world.product.id)
    page = client.get(edit).text
    assert input_value(page, "stock_seen") == "5"
    # Five sold while the form was open; the merchant's "-5" would now go below zero.
    db.session.execute(update(Product).where(Product.id == world.product.id).values(stock=0))
    db.session.execute(update(ProductVariant).where(ProductVariant.product_id == world.product.id)
                       .values(stock=0))
    db.session.commit()
    response = client.post(edit, headers=HX, data={
        "title": "x", "price": "1", "stock": "0", "stock_seen": "5", "published": "y",
        "photo": upload(jpeg_bytes())})
    assert "库存已变化（当前 0 件）" in assert_fragment(response, "product-editor", 422)
    assert fresh(world.product).image is None
    assert stored_files(app) == []


# The low-stock badge.

@pytest.mark.parametrize(("stock", "level", "badge"), [
    (5, 5, "库存紧张"), (1, 5, "库存紧张"), (6, 5, None), (0, 5, "已售罄"), (3, 0, None),
    (100, 100, "库存紧张"), (101, 100, None),
])
def test_the_low_stock_badge_shows_at_the_level_and_not_above(app, client, merchant, world,
                                                              make_product, stock, level, badge):
    product = make_product(world.shop, stock=stock, low_stock_at=level)
    row = row_of(client.get(url(app, "catalog.products")).text, product.id)
    for word in ("库存紧张", "已售罄"):
        assert (word in row) == (word == badge), word
    assert f"库存 {stock}" in row


def test_the_row_shows_photo_category_price_and_published_state(app, client, merchant, world,
                                                                make_product):
    product = make_product(world.shop, title="丹东草莓", category="produce", price_fen=4580,
                           published=False)
    row = row_of(client.get(url(app, "catalog.products")).text, product.id)
    assert "丹东草莓" in row and "生鲜果蔬" in row and "¥45.80" in row
    assert 'class="thumb thumb-empty"' in row  # no photo yet: a placeholder, not a broken image
    assert "已下架" in row and 'name="published" value="1"' in row and ">上架</button>" in row


# Another merchant.

@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_another_merchant_cannot_open_or_save_a_product_not_theirs(app, client, login_as, world,
                                                                  make_product, htmx):
    theirs = make_product(world.other_shop, title="别家的商品", price_fen=500)
    login_as(world.merchant)
    path = url(app, "catalog.edit", product_id=theirs.id)
    if htmx:
        assert_flash_error(client.get(path, headers=HX), 404, "找不到")
    else:
        assert_error_page(client.get(path), 404, "找不到")
        assert "别家的商品" not in client.get(url(app, "catalog.products")).text
    response = client.post(path, headers=HX if htmx else {}, data={
        "title": "抢来的", "price": "1", "stock": "1", "photo": upload(jpeg_bytes())})
    assert response.status_code == 404
    product = fresh(theirs)
    assert (product.title, product.price_fen, product.image) == ("别家的商品", 500, None)
    assert stored_files(app) == []


def test_saving_without_javascript_comes_back_to_the_product(app, client, merchant, world):
    path = url(app, "catalog.edit", product_id=world.product.id)
    response = client.post(path, data={"title": "新名字", "price": "9.90", "stock": "5",
                                       "category": "snacks", "published": "y"})
    assert_redirect(response, path)
    page = assert_page(client.get(path), "product-list")
    assert "已保存：新名字" in page and selected_option(form_pane(page), "category") == "snacks"
