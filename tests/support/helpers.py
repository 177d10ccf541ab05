"""Assertions shared by the route tests: page or fragment, htmx redirects, error flashes."""
from __future__ import annotations

import html
import re

from flask import url_for

HX = {"HX-Request": "true"}


def url(app, endpoint: str, **values) -> str:
    """The path of `endpoint`, as the templates build it."""
    with app.test_request_context():
        return url_for(endpoint, **values)


def varies_on_htmx(response) -> bool:
    return "HX-Request" in response.headers.get("Vary", "")


def assert_page(response, root_id: str | None = None, status: int = 200) -> str:
    """A whole HTML document (optionally holding the element `root_id`)."""
    assert response.status_code == status, response.text[:500]
    assert response.mimetype == "text/html"
    assert response.text.lstrip().startswith("<!doctype html>")
    assert varies_on_htmx(response)
    if root_id is not None:
        assert f'id="{root_id}"' in response.text
    return response.text


def assert_fragment(response, root_id: str, status: int = 200) -> str:
    """Only the fragment whose root element is `root_id`, for an htmx swap."""
    assert response.status_code == status, response.text[:500]
    assert response.mimetype == "text/html"
    text = response.text
    assert "<html" not in text and "<!doctype" not in text.lower()
    assert varies_on_htmx(response)
    first = re.search(r"<[a-z]+\b[^>]*>", text)
    assert first is not None and f'id="{root_id}"' in first.group(0), first
    return text


def assert_htmx_redirect(response, location: str) -> None:
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == location
    assert response.data == b""


def assert_redirect(response, location: str, status: int = 303) -> None:
    assert response.status_code == status
    assert response.headers["Location"] == location


def assert_redirected_page(client, response, location: str, root_id: str) -> str:
    """A plain (non-htmx) form post: 303 to `location`, whose page holds `root_id`."""
    assert_redirect(response, location)
    return assert_page(client.get(location), root_id)


def assert_flash_error(response, status: int, message: str) -> None:
    """An htmx error: the message goes to the flash area, not into the swap target."""
    assert response.status_code == status
    assert response.headers["HX-Retarget"] == "#flash"
    assert "<html" not in response.text
    assert message in response.text
    assert varies_on_htmx(response)


def assert_error_page(response, status: int, message: str) -> None:
    assert_page(response, status=status)
    assert message in response.text


def input_value(text: str, name: str) -> str | None:
    """The value attribute of the input called `name`, unescaped; None if it has none."""
    tag = re.search(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', text)
    assert tag is not None, f"no input {name}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


def checked_radio(text: str, name: str) -> str | None:
    """The value of the checked radio button called `name`."""
    for tag in re.findall(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', text):
        if re.search(r"\bchecked\b", tag):
            return html.unescape(re.search(r'\bvalue="([^"]*)"', tag).group(1))
    return None


def checked_boxes(text: str, name: str) -> list[str]:
    """The values of the checked checkboxes called `name`, in order."""
    return [html.unescape(re.search(r'\bvalue="([^"]*)"', tag).group(1))
            for tag in re.findall(rf'<input\b[^>]*\bname="{re.escape(name)}"[^>]*>', text)
            if re.search(r"\bchecked\b", tag)]


def selected_option(text: str, name: str) -> str | None:
    """The value of the selected option of the <select> called `name`; None if none is."""
    select = re.search(rf'<select\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</select>', text,
                       re.S)
    assert select is not None, f"no select {name}"
    for option in re.findall(r"<option\b[^>]*>", select.group(1)):
        if re.search(r"\bselected\b", option):
            return html.unescape(re.search(r'\bvalue="([^"]*)"', option).group(1))
    return None


def textarea_value(text: str, name: str) -> str:
    """The text of the <textarea> called `name`, unescaped (without the newline after the tag)."""
    area = re.search(rf'<textarea\b[^>]*\bname="{re.escape(name)}"[^>]*>\r?\n?(.*?)</textarea>',
                     text, re.S)
    assert area is not None, f"no textarea {name}"
    return html.unescape(area.group(1))


def option_values(text: str, name: str) -> list[str]:
    """The values of every option of the <select> called `name`, in order."""
    select = re.search(rf'<select\b[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</select>', text,
                       re.S)
    assert select is not None, f"no select {name}"
    return [html.unescape(value) for value in
            re.findall(r'<option\b[^>]*\bvalue="([^"]*)"', select.group(1))]


def hidden_inputs(text: str) -> dict[str, str]:
    """The hidden fields of a drawn form, as the browser would post them back."""
    return {name: value for name, value in re.findall(
        r'<input\b[^>]*\bname="([^"]+)"[^>]*\btype="hidden"[^>]*\bvalue="([^"]*)"', text)}


def filled_checkout(text: str, address, payment_method: str) -> dict[str, str]:
    """A drawn checkout form (cart or quote) with the buyer's choices, as the browser posts it."""
    return {**hidden_inputs(text), "address_id": str(address.id),
            "window": selected_option(text, "window") or option_values(text, "window")[0],
            "payment_method": payment_method,
            "note": "放门口"}


def checkout_data(app, address, shop=None, **changes) -> dict:
    """The checkout form as the buyer's browser posts it: an address from the book, the first
    window `shop` offers, Alipay at the door, a note, and the figures the page shows now (the
    cart of the address's owner at `shop`, or at their only shop); `changes` replaces fields."""
    from tests.support.factories import window_value

    data = {"address_id": str(address.id), "window": window_value(app, shop),
            "payment_method": "alipay", "note": "放门口", "idempotency_key": "b" * 32,
            "shown": shown_now(app, address.user_id, shop)}
    data.update(changes)
    return data


def shown_now(app, buyer_id: int, shop=None) -> str:
    """The hidden field `shown` of the buyer's checkout page at `shop` (their cart's only shop
    if None), as the page would draw it now."""
    from webapp.cart import services as cart_services
    from webapp.extensions import db
    from webapp.models import User
    from webapp.orders.shown import Shown, of_cart

    with app.test_request_context():
        carts = cart_services.carts_of(db.session.get(User, buyer_id))
        cart = next((c for c in carts if shop is None or c.shop.id == shop.id), None)
        return (of_cart(cart) if cart is not None else Shown({}, 0)).text()


# The real-name application as the merchant's browser posts it: text fields, the three region
# selects and three photos (multipart).
APPLICATION_FORM = {
    "legal_name": "王小明", "id_number": "11010519491231002X", "uscc": "91110000600037341L",
    "mobile": "13900001111", "shop_name": "Green Grocer 绿色菜铺", "handle_wish": "",
    "province": "11", "city": "1101", "district": "110105", "street": "建国路 1 号",
}
PHOTOS = ("id_front", "id_back", "licence_photo")


def upload(data: bytes, filename: str = "photo.jpg"):
    """A file part for the test client's multipart post (a fresh stream each time)."""
    import io

    return (io.BytesIO(data), filename)


def application_form(*, photos=PHOTOS, action: str | None = "submit", **changes) -> dict:
    """The application form's post: every field filled in, a real JPEG for each of `photos`.

    `changes` replaces fields (a photo by an upload(...)); `action` is the button pressed.
    """
    from tests.support.images import jpeg_bytes

    data = {**APPLICATION_FORM}
    for kind in photos:
        data[kind] = upload(jpeg_bytes(), f"{kind}.jpg")
    data.update(changes)
    if action is not None:
        data["action"] = action
    return data


def typed_fields(data: dict) -> dict:
    """The text inputs of a posted application form (what a 422 must give back as typed)."""
    return {k: v for k, v in data.items()
            if k in APPLICATION_FORM and k not in ("province", "city", "district")}


def stored_files(app) -> list:
    """Every file under UPLOAD_DIR (photos the app has written)."""
    from pathlib import Path

    root = Path(app.config["UPLOAD_DIR"])
    return sorted(path for path in root.rglob("*") if path.is_file())


def post_multipart(client, path: str, data: dict, **kwargs):
    """POST `data` as multipart/form-data encoded in memory.

    For big uploads: the test client spools a body over 500 kB to a temporary file it never
    closes, and the ResourceWarning would fail whichever test the garbage collector runs in.
    """
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    fields = {name: FileStorage(value[0], filename=value[1]) if isinstance(value, tuple)
              else value for name, value in data.items()}
    boundary, body = encode_multipart(fields)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}",
                       **kwargs)
