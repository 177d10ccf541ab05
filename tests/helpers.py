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
