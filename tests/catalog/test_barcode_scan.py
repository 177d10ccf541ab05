"""The product manager's barcode scanner (issue 21): a scanned or typed code finds the shop's
own variant that carries it (another shop's code is not found), opens its product in the form
pane, or opens the new product's form with the code filled in; a code no product can carry is
refused with the reason. And the vendored ZXing is the one package.json pins, fit for the CSP.
The camera itself is tested in Chromium (tests/e2e/test_barcode_scanner.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.helpers import HX, assert_error_page, assert_fragment, assert_page, input_value, url
from webapp.catalog import barcodes, variants
from webapp.templating import VENDOR

pytestmark = pytest.mark.db  # run again on PostgreSQL by .ci/run's second pass

ROOT = Path(__file__).resolve().parents[2]
CODE, EAN8, OTHER = "6901234567892", "96385074", "4006381333931"


@pytest.fixture
def scanned(world, make_product):
    """The world's product carries CODE; a second product of two variants, the 1kg one EAN8;
    the other shop's product OTHER."""
    def carry(product, code):
        only = variants.only_variant(product.id)
        variants.update_variant(product, only.id, name=only.name, price_fen=only.price_fen,
                                stock=only.stock, stock_seen=only.stock, barcode=code)

    carry(world.product, CODE)
    world.rice = make_product(world.shop, title="五常大米", stock=2)
    only = variants.only_variant(world.rice.id)
    variants.update_variant(world.rice, only.id, name="500g", price_fen=3000, stock=2,
                            stock_seen=2)
    world.rice_1kg = variants.add_variant(world.rice, name="1kg", price_fen=5600, stock=3,
                                          barcode=EAN8)
    carry(make_product(world.other_shop, title="别家的货"), OTHER)
    return world


@pytest.mark.parametrize("typed, found", [
    (CODE, "product"), (" 690 1234-567892 ", "product"),
    ("６９０１２３４５６７８９２", "product"),  # full-width, as a Chinese input method types it
    (EAN8, "rice"), ("5901234123457", None), (OTHER, None),  # the other shop's: not found
])
def test_a_code_finds_the_shops_own_variant_only(scanned, typed, found):
    variant = barcodes.own_variant(scanned.shop, barcodes.code_of(typed))
    if found is None:
        assert variant is None
    else:
        assert variant.product_id == getattr(scanned, found).id
    # The other shop finds its own code, and not ours.
    assert barcodes.own_variant(scanned.other_shop, OTHER) is not None
    assert barcodes.own_variant(scanned.other_shop, CODE) is None


@pytest.mark.parametrize("typed, says", [
    ("", "请输入或扫描条码"), ("   ", "请输入或扫描条码"),
    ("69012345678AB", "8 到 14 位数字"), ("1234567", "8 到 14 位数字"),
    ("123456789012345", "8 到 14 位数字"), ("٦٩٠١٢٣٤٥٦٧٨٩٢", "8 到 14 位数字"),  # Arabic digits
    ("6901234567893", "校验位不对"), ("96385075", "校验位不对"), ("1" * 41, "8 到 14 位数字"),
])
def test_a_code_no_product_can_carry_is_refused_with_the_reason(app, typed, says):
    with app.test_request_context():
        with pytest.raises(barcodes.BadCode) as refused:
            barcodes.code_of(typed)
    assert refused.value.status == 400 and says in refused.value.message


def test_a_found_code_opens_its_product_in_the_pane(app, scanned, as_party):
    client = as_party(scanned.merchant)
    response = client.get(url(app, "catalog.barcode", code=CODE), headers=HX)
    text = assert_fragment(response, "product-editor")
    assert f'data-product="{scanned.product.id}"' in text
    assert f"条码 {CODE}：{scanned.product.title}" in text
    assert response.headers["HX-Push-Url"] == url(app, "catalog.edit", product_id=scanned.product.id)
    # A variant's code names the variant; without htmx the whole manager.
    page = assert_page(client.get(url(app, "catalog.barcode", code=EAN8)), "product-pane")
    assert f'data-product="{scanned.rice.id}"' in page and "规格 1kg" in page


@pytest.mark.parametrize("code", ["5901234123457", OTHER])  # no one's; the other shop's
def test_an_unknown_or_another_shops_code_starts_a_new_product(app, scanned, as_party, code):
    response = as_party(scanned.merchant).get(url(app, "catalog.barcode", code=code), headers=HX)
    text = assert_fragment(response, "product-editor")
    assert "data-product=" not in text and "别家的货" not in text
    assert f"未找到条码 {code}，新建商品" in text
    assert input_value(text, "barcode") == code
    assert response.headers["HX-Push-Url"] == url(app, "catalog.barcode", code=code)


def test_a_bad_code_is_refused_in_the_dialog_or_on_the_error_page(app, scanned, as_party):
    client = as_party(scanned.merchant)
    path = url(app, "catalog.barcode", code="6901234567893")
    response = client.get(path, headers=HX)
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#scan-message"
    assert re.search(r'<p class="error" role="alert">[^<]*校验位不对', response.text)
    assert_error_page(client.get(path), 400, "校验位不对")
    assert_error_page(client.get(url(app, "catalog.barcode")), 400, "请输入或扫描条码")


def test_the_manager_has_the_scanner_and_its_script_only_there(app, scanned, as_party):
    client = as_party(scanned.merchant)
    page = assert_page(client.get(url(app, "catalog.products")), "scan-dialog")
    assert VENDOR["zxing"] in page and 'id="scan-open"' in page
    assert VENDOR["zxing"] not in client.get(url(app, "orders.board")).text


def test_the_vendored_zxing_is_the_pinned_package_and_needs_no_eval():
    """static/vendor's copy is node_modules' (package-lock.json's version) byte for byte, and
    holds nothing the CSP (script-src 'self', no unsafe-eval) would refuse."""
    vendored = ROOT / "static" / VENDOR["zxing"]
    version = re.search(r"zxing-library-([\d.]+)\.umd", vendored.name).group(1)
    lock = (ROOT / "package-lock.json").read_text()
    assert re.search(r'"node_modules/@zxing/library": \{\s*"version": "' + re.escape(version), lock)
    assert f'"@zxing/library": "{version}"' in (ROOT / "package.json").read_text()
    source = vendored.read_text(encoding="utf-8")
    assert not re.search(r"new Function|[^\w.$]eval\(|[^\w.$]Function\(|sourceMappingURL", source)
    installed = ROOT / "node_modules" / "@zxing" / "library" / "umd" / "index.min.js"
    if installed.exists():  # make test-ready's npm ci
        assert installed.read_text(encoding="utf-8") == source
