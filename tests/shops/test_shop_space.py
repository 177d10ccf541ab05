"""The merchant's shop space: opened on approval at /s/<handle>, its settings, QR codes and
poster; what suspension hides from buyers and what goes on; who may publish."""
import io
import re
import xml.etree.ElementTree as ET

import pytest
import qrcode
import qrcode.image.svg
from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import func, select

from tests.support.factories import submit_complete
from tests.support.helpers import (
    HX,
    application_form,
    assert_error_page,
    assert_fragment,
    assert_htmx_redirect,
    assert_page,
    assert_redirect,
    assert_redirected_page,
    input_value,
    stored_files,
    upload,
    url,
)
from tests.support.images import jpeg_bytes
from webapp.admin import services as admin_services
from webapp.extensions import db
from webapp.models import (
    ApplicationStatus,
    MerchantApplication,
    Order,
    Product,
    Role,
    Shop,
    ShopStatus,
    Status,
)

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

FULL_USCC = "91110000600037341L"
MASKED_USCC = "9111**********341L"


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def opened(app, make_user, make_product, admin):
    """A merchant whose application was approved: their shop, with products on and off sale."""

    class Opened:
        pass

    o = Opened()
    o.merchant = make_user(Role.MERCHANT)
    o.application = submit_complete(o.merchant, handle_wish="fresh-fruit")
    o.shop = admin_services.approve(o.application.id, admin)
    o.on_sale = make_product(o.shop, title="有机番茄")
    o.hidden = make_product(o.shop, title="下架的白菜", published=False)
    return o


def shop_row(shop_id: int) -> Shop:
    db.session.expire_all()
    return db.session.get(Shop, shop_id)


# The shop page.

def test_the_shop_page_shows_the_verified_shop_and_its_published_products(app, client, opened):
    text = assert_page(client.get(url(app, "shops.detail", handle="fresh-fruit")),
                       f"shop-{opened.shop.id}-products")
    assert "Green Grocer 绿色菜铺" in text and "北京市 朝阳区 建国路 1 号" in text
    assert "实名认证" in text
    licence = re.escape(f'<span class="licence-number">{MASKED_USCC}</span>')
    assert re.search(rf"<dt>营业执照</dt>\s*<dd>{licence}</dd>", text)
    assert FULL_USCC not in text and "11010519491231002X" not in text
    assert "有机番茄" in text and "下架的白菜" not in text
    assert url(app, "shops.qr_svg", handle="fresh-fruit") in text
    assert url(app, "shops.poster", handle="fresh-fruit") in text
    fragment = assert_fragment(client.get(url(app, "shops.detail", handle="fresh-fruit"),
                                          headers=HX), f"shop-{opened.shop.id}-products")
    assert "有机番茄" in fragment


def test_a_visitor_finds_the_qr_code_behind_share_and_the_owner_sees_it(app, client, login_as,
                                                                      opened):
    page = url(app, "shops.detail", handle="fresh-fruit")
    qr = url(app, "shops.qr_svg", handle="fresh-fruit")
    visitor = client.get(page).text
    share = re.search(r'<details class="shop-share shop-corner">.*?</details>', visitor, re.S)
    assert share and qr in share[0] and "分享" in share[0]
    assert visitor.count(qr) == 1
    login_as(opened.merchant)
    owner = client.get(page).text
    assert 'class="qr-link shop-corner"' in owner and "shop-share" not in owner


def test_a_shop_without_banner_or_hours_has_a_header_picture_and_its_delivery_hours(
        app, client, opened):
    text = client.get(url(app, "shops.detail", handle="fresh-fruit")).text
    assert re.search(r'<section class="shop-head card tint-\d">\s*<div class="shop-banner shop-banner-plain"',
                     text)
    assert '<span class="shop-logo shop-initial" aria-hidden="true">G</span>' in text
    # The default windows run back to back: one span, 09:00 to 21:00.
    assert re.search(r"<dt>配送时段</dt>\s*<dd>09:00–21:00</dd>", text)
    assert "<dt>营业时间</dt>" not in text  # hours not set: always open, nothing to say
    opened.shop.delivery_slots = "9-11,15-17"
    opened.shop.weekly_hours = "|".join(["08:00-20:00"] * 6 + [""])  # issue 21
    db.session.commit()
    text = client.get(url(app, "shops.detail", handle="fresh-fruit")).text
    assert re.search(r"<dt>配送时段</dt>\s*<dd>09:00–11:00 · 15:00–17:00</dd>", text)
    assert re.search(r"<dt>营业时间</dt>\s*<dd>周一至周六 08:00–20:00 · 周日 休息</dd>", text)


def test_the_handle_is_case_insensitive_and_unknown_ones_are_404(app, client, opened):
    assert_page(client.get(url(app, "shops.detail", handle="Fresh-Fruit")))
    assert_error_page(client.get(url(app, "shops.detail", handle="no-such-shop")), 404,
                      "找不到")


def test_the_poster_shows_the_masked_licence_and_the_qr_code(app, client, opened):
    response = client.get(url(app, "shops.poster", handle="fresh-fruit"))
    assert response.status_code == 200
    text = response.text
    assert "Green Grocer 绿色菜铺" in text
    assert MASKED_USCC in text and FULL_USCC not in text
    assert url(app, "shops.qr_svg", handle="fresh-fruit") in text
    assert url(app, "shops.qr_png", handle="fresh-fruit") in text
    assert url(app, "shops.detail", handle="fresh-fruit", _external=True) in text


# QR codes.

LEVELS = (qrcode.constants.ERROR_CORRECT_L, qrcode.constants.ERROR_CORRECT_M,
          qrcode.constants.ERROR_CORRECT_Q, qrcode.constants.ERROR_CORRECT_H)


def qr_matrix(data: str, level: int, border: int) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=level, border=border)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def read_modules(image: Image.Image, size: int) -> list[list[bool]]:
    """The dark and light modules of a QR image `size` modules across (border included)."""
    grey = image.convert("L")
    box = grey.width // size
    return [[grey.getpixel((x * box + box // 2, y * box + box // 2)) < 128
             for x in range(size)] for y in range(size)]


def encodes(image: Image.Image, data: str) -> bool:
    """True if `image` is the QR code of `data` (at any error-correction level and border).

    QR encoding is deterministic for the same data and level (the mask is chosen by a fixed
    rule), so matching every module is as good as decoding it.
    """
    for level in LEVELS:
        for border in range(5):
            matrix = qr_matrix(data, level, border)
            size = len(matrix)
            if image.width == image.height and image.width % size == 0 \
                    and read_modules(image, size) == matrix:
                return True
    return False


def test_the_qr_png_is_a_real_png_of_the_shop_address(app, client, opened):
    response = client.get(url(app, "shops.qr_png", handle="fresh-fruit"))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(response.data)) as image:
        image.verify()
    address = url(app, "shops.detail", handle="fresh-fruit", _external=True)
    assert address == "http://localhost/s/fresh-fruit"
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.format == "PNG" and image.width >= 21
        assert encodes(image, address)
        assert not encodes(image, "http://localhost/s/other-shop")


def test_the_qr_png_decodes_to_the_shop_address(app, client, opened):
    import zxingcpp

    response = client.get(url(app, "shops.qr_png", handle="fresh-fruit"))
    with Image.open(io.BytesIO(response.data)) as image:
        [found] = zxingcpp.read_barcodes(image.convert("L"))
    assert found.text == "http://localhost/s/fresh-fruit"


def test_the_qr_svg_is_a_real_svg_of_the_shop_address(app, client, opened):
    response = client.get(url(app, "shops.qr_svg", handle="fresh-fruit"))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None
    assert b"<script" not in response.data
    address = "http://localhost/s/fresh-fruit"

    def svg_of(data: str, level: int) -> bytes:
        code = qrcode.QRCode(error_correction=level, border=2,
                             image_factory=qrcode.image.svg.SvgPathImage)
        code.add_data(data)
        out = io.BytesIO()
        code.make_image().save(out)
        return out.getvalue()

    assert any(svg_of(address, level) == response.data for level in LEVELS)
    assert not any(svg_of("http://localhost/s/other", level) == response.data
                   for level in LEVELS)


@pytest.mark.parametrize("endpoint", ["shops.qr_png", "shops.qr_svg", "shops.poster"])
def test_qr_codes_and_poster_of_an_unknown_shop_are_404(app, client, opened, endpoint):
    assert client.get(url(app, endpoint, handle="no-such-shop")).status_code == 404


# Settings.

@pytest.fixture
def owner(client, login_as, opened):
    login_as(opened.merchant)
    return opened


def logo_png() -> bytes:
    info = PngInfo()
    info.add_text("Comment", "secret-logo-text")
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (15, 118, 110, 255)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def banner_jpeg() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    out = io.BytesIO()
    Image.new("RGB", (600, 200), (200, 80, 20)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_settings_is_a_page_or_a_fragment(app, client, owner):
    path = url(app, "merchants.shop_settings")
    text = assert_page(client.get(path), "shop-form")
    assert input_value(text, "name") == "Green Grocer 绿色菜铺"
    assert 'enctype="multipart/form-data"' in text
    assert_fragment(client.get(path, headers=HX), "shop-form")


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_settings_save_description_logo_and_banner(app, client, owner, htmx):
    path = url(app, "merchants.shop_settings")
    response = client.post(path, headers=HX if htmx else {}, data={
        "name": "Green Grocer 绿色菜铺", "description": "每日清晨产地直采。",
        "logo": upload(logo_png(), "logo.png"),
        "banner": upload(banner_jpeg(), "banner.jpg")})
    if htmx:
        assert_htmx_redirect(response, path)
    else:
        text = assert_redirected_page(client, response, path, "shop-form")
        assert "店铺设置已保存" in text
    shop = shop_row(owner.shop.id)
    assert shop.description == "每日清晨产地直采。"
    assert shop.logo.startswith("shops/") and shop.logo.endswith(".png")
    assert shop.banner.startswith("shops/") and shop.banner.endswith(".jpg")
    # Re-encoded on the way in: no text chunk, no camera, no location.
    files = {path.name: path.read_bytes() for path in stored_files(app)}
    logo, banner = files[shop.logo.split("/")[1]], files[shop.banner.split("/")[1]]
    assert b"secret-logo-text" not in logo and b"tEXt" not in logo
    assert b"SecretCam" not in banner and b"Exif" not in banner

    page = assert_page(client.get(url(app, "shops.detail", handle=shop.handle)))
    assert "每日清晨产地直采。" in page
    for kind in ("logo", "banner"):
        image_url = url(app, "shops.image", handle=shop.handle, kind=kind)
        assert f'src="{image_url}"' in page
        response = app.test_client().get(image_url, buffered=True)  # anyone may see them
        assert response.status_code == 200
        with Image.open(io.BytesIO(response.data)) as image:
            assert image.format == ("PNG" if kind == "logo" else "JPEG")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_new_logo_replaces_the_old_file(app, client, owner):
    path = url(app, "merchants.shop_settings")
    # The shop's own name: renaming a verified shop waits for review, and a second rename while
    # one waits is refused, logo and all.
    data = {"name": owner.shop.name, "description": ""}
    client.post(path, data={**data, "logo": upload(logo_png(), "a.png")})
    first = shop_row(owner.shop.id).logo
    client.post(path, data={**data, "logo": upload(jpeg_bytes(), "b.jpg")})
    second = shop_row(owner.shop.id).logo
    assert first != second
    names = {f"shops/{p.name}" for p in stored_files(app) if p.parent.name == "shops"}
    assert names == {second}


def test_settings_without_a_new_logo_keep_the_old_one(app, client, owner):
    path = url(app, "merchants.shop_settings")
    client.post(path, data={"name": "店", "logo": upload(logo_png(), "a.png")})
    logo = shop_row(owner.shop.id).logo
    client.post(path, data={"name": "店", "description": "新简介"})
    assert shop_row(owner.shop.id).logo == logo


def pdf_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PDF")
    return out.getvalue()


@pytest.mark.parametrize(("kind", "data", "message"), [
    ("logo", pdf_bytes(), "请上传 JPEG、PNG 或 WebP 图片"),
    ("banner", b"", "请选择要上传的图片"),
], ids=["pdf-logo", "empty-banner"])
def test_a_bad_image_in_settings_gets_a_message_and_nothing_is_saved(app, client, owner, kind,
                                                                     data, message):
    typed = {"name": "新名字", "description": "新简介"}
    response = client.post(url(app, "merchants.shop_settings"), headers=HX,
                           data={**typed, kind: upload(data, f"{kind}.jpg")})
    text = assert_fragment(response, "shop-form", status=422)
    block = text[text.index(f'<label for="{kind}"'):]
    assert message in block[:block.index("</div>")]
    assert input_value(text, "name") == "新名字"
    assert "新简介" in text
    shop = shop_row(owner.shop.id)
    assert (shop.name, shop.description, shop.logo, shop.banner) == (
        "Green Grocer 绿色菜铺", "", None, None)
    assert [p for p in stored_files(app) if p.parent.name == "shops"] == []


def test_settings_need_a_name(app, client, owner):
    response = client.post(url(app, "merchants.shop_settings"), headers=HX,
                           data={"name": "", "description": "留着"})
    text = assert_fragment(response, "shop-form", status=422)
    assert "请输入店铺名称" in text and "留着" in text
    assert shop_row(owner.shop.id).name == "Green Grocer 绿色菜铺"


def test_settings_are_for_an_owner_with_a_shop_only(app, client, login_as, make_user, opened):
    path = url(app, "merchants.shop_settings")
    login_as(make_user(Role.MERCHANT))  # no shop yet
    assert_page(client.get(path), status=403)
    assert_page(client.post(path, data={"name": "抢注"}), status=403)
    login_as(make_user(Role.BUYER))
    assert_page(client.get(path), status=403)
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(url(app, "auth.login"))
    assert shop_row(opened.shop.id).name == "Green Grocer 绿色菜铺"


# Changing legal data after approval.

def test_changing_legal_data_after_approval_goes_back_to_review_and_the_shop_stays_open(
        app, client, login_as, opened, admin):
    login_as(opened.merchant)
    text = assert_page(client.get(url(app, "merchants.apply")), "apply-form")
    assert "修改认证资料后需重新审核" in text
    new_uscc = "91350100M000100Y43"
    response = client.post(url(app, "merchants.apply"), data=application_form(
        photos=("licence_photo",), id_number="", uscc=new_uscc, handle_wish="fresh-fruit"))
    assert_redirect(response, url(app, "merchants.dashboard"))
    db.session.expire_all()
    versions = list(db.session.scalars(select(MerchantApplication)
                                       .order_by(MerchantApplication.version)))
    assert [(a.version, a.status) for a in versions] == [
        (1, ApplicationStatus.APPROVED), (2, ApplicationStatus.SUBMITTED)]

    # Under review, the shop stays visible and keeps the licence it was approved with.
    shop = shop_row(opened.shop.id)
    assert shop.status is ShopStatus.ACTIVE and shop.application_id == versions[0].id
    page = assert_page(app.test_client().get(url(app, "shops.detail", handle="fresh-fruit")))
    assert MASKED_USCC in page and "有机番茄" in page
    assert "Green Grocer" in app.test_client().get(url(app, "shops.index")).text
    dashboard = client.get(url(app, "merchants.dashboard")).text
    assert "实名资料审核中" in dashboard and "/s/fresh-fruit" in dashboard
    assert admin_services.changes_since_previous(versions[1]) == ["uscc", "licence_photo"]

    # Approved again: the same shop, now with the new licence.
    admin_services.approve(versions[1].id, admin)
    shop = shop_row(opened.shop.id)
    assert (shop.handle, shop.application_id) == ("fresh-fruit", versions[1].id)
    assert db.session.scalar(select(func.count(Shop.id))) == 1
    page = app.test_client().get(url(app, "shops.detail", handle="fresh-fruit")).text
    assert "9135**********0Y43" in page and MASKED_USCC not in page


def test_a_rejected_change_leaves_the_shop_open(app, client, login_as, opened, admin):
    login_as(opened.merchant)
    client.post(url(app, "merchants.apply"), data=application_form(
        photos=(), id_number="", legal_name="王大明", handle_wish="fresh-fruit"))
    latest = db.session.scalar(select(MerchantApplication).where(
        MerchantApplication.version == 2))
    admin_services.reject(latest.id, admin, {"legal_name": "与身份证不符"})
    assert shop_row(opened.shop.id).status is ShopStatus.ACTIVE
    assert app.test_client().get(url(app, "shops.detail", handle="fresh-fruit")).status_code \
        == 200
    assert "与身份证不符" in client.get(url(app, "merchants.dashboard")).text


# Who may publish.

def product_count() -> int:
    return db.session.scalar(select(func.count(Product.id)))


NEW_PRODUCT = {"title": "新商品", "price": "9.90", "stock": "5", "published": "y"}


@pytest.mark.parametrize("application", [None, "submitted", "rejected"])
def test_a_merchant_without_an_approved_shop_cannot_publish(app, client, login_as, make_user,
                                                           world, admin, application):
    merchant = login_as(make_user(Role.MERCHANT))
    if application is not None:
        submitted = submit_complete(merchant)
        if application == "rejected":
            admin_services.reject(submitted.id, admin, {"uscc": "不符"})
    before = product_count()
    assert_page(client.get(url(app, "catalog.products")), status=403)
    assert_page(client.post(url(app, "catalog.products"), data=NEW_PRODUCT), status=403)
    response = client.post(url(app, "catalog.products"), headers=HX, data=NEW_PRODUCT)
    assert response.status_code == 403 and response.headers["HX-Retarget"] == "#flash"
    for endpoint in ("catalog.publish", "catalog.edit"):
        response = client.post(url(app, endpoint, product_id=world.product.id),
                               data={"published": "0", **NEW_PRODUCT})
        assert response.status_code == 403, endpoint
    assert product_count() == before
    db.session.expire_all()
    product = db.session.get(Product, world.product.id)
    assert product.published and product.title != "新商品"
    assert client.get(url(app, "orders.board")).status_code == 403


# Suspension.

@pytest.fixture
def suspended(app, world, login_as, admin, advance):
    """world's shop with an accepted order, then suspended by an admin through the route."""
    order = advance(Status.ACCEPTED)
    staff = app.test_client()
    login_as(admin, staff)
    response = staff.post(url(app, "admin.suspend", shop_id=world.shop.id),
                          data={"reason": "投诉核实中"})
    assert response.status_code == 303
    assert shop_row(world.shop.id).status is ShopStatus.SUSPENDED
    return order


def test_a_suspended_shop_disappears_from_buyers(app, client, login_as, world, suspended):
    handle = world.shop.handle
    login_as(world.buyer)
    assert_error_page(client.get(url(app, "shops.detail", handle=handle)), 404, "找不到")
    for endpoint in ("shops.qr_png", "shops.qr_svg", "shops.poster"):
        assert client.get(url(app, endpoint, handle=handle)).status_code == 404
    home = assert_page(client.get(url(app, "shops.index")))
    # Gone from browsing; the buyer's own order with it still shows on their home, unlinked to it.
    assert url(app, "shops.detail", handle=handle) not in home
    orders = re.search(r'<section[^>]*id="home-orders".*?</section>', home, re.S)[0]
    assert f'id="home-order-{suspended.id}"' in orders
    assert world.shop.name not in home.replace(orders, "")
    assert url(app, "shops.detail", handle=world.other_shop.handle) in home
    assert world.product.title not in home.replace(orders, "")
    assert_error_page(client.get(url(app, "shops.product", product_id=world.product.id)), 404,
                      "该商品已下架或不存在")  # as a missing product: tests/cart/test_off_sale.py
    assert db.session.scalar(select(func.count(Order.id))) == 1  # only the accepted one


def test_a_suspended_shops_accepted_order_still_moves_on(app, login_as, world, suspended):
    merchant = app.test_client()
    login_as(world.merchant, merchant)
    response = merchant.post(url(app, "orders.assign", order_id=suspended.id),
                             data={"courier_id": str(world.courier.id)})
    assert response.status_code == 303
    courier = app.test_client()
    login_as(world.courier, courier)
    assert courier.post(url(app, "delivery.start", order_id=suspended.id)).status_code == 303
    db.session.expire_all()
    assert db.session.get(Order, suspended.id).status is Status.DELIVERING
    # The buyer still follows their order.
    buyer = app.test_client()
    login_as(world.buyer, buyer)
    assert buyer.get(url(app, "orders.detail", order_id=suspended.id)).status_code == 200


def test_a_suspended_shop_cannot_publish_and_is_told_why(app, client, login_as, world,
                                                         suspended):
    login_as(world.merchant)
    before = product_count()
    assert client.post(url(app, "catalog.products"), data=NEW_PRODUCT).status_code == 403
    assert client.post(url(app, "catalog.publish", product_id=world.product.id),
                       data={"published": "0"}).status_code == 403
    assert product_count() == before
    dashboard = client.get(url(app, "merchants.dashboard")).text
    assert "店铺已被平台停业：投诉核实中" in dashboard


def test_reinstating_brings_the_shop_back(app, client, login_as, world, admin, suspended):
    admin_services.reinstate(world.shop.id, admin)
    assert_page(client.get(url(app, "shops.detail", handle=world.shop.handle)))
    assert url(app, "shops.detail", handle=world.shop.handle) in client.get(
        url(app, "shops.index")).text
