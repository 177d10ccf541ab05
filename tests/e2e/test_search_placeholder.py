"""The search box's placeholder fits its input on a phone, in both languages: a cut-off hint
("Search products or shops, e.g. nav…") tells nobody what to type."""
from __future__ import annotations

import pytest

from tests.support.browser import PHONE

# The placeholder's text width in the input's own font (canvas measureText), against the room
# the input has for text (its content box): no pixel widths of text are assumed.
MEASURE = """(() => {
  const input = document.querySelector('#search-q');
  const style = getComputedStyle(input);
  const canvas = document.createElement('canvas').getContext('2d');
  canvas.font = style.font || `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: input.placeholder, width: canvas.measureText(input.placeholder).width, room: room};
})()"""


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
@pytest.mark.parametrize("path", ["/", "/search"])
def test_the_search_placeholder_fits_on_a_phone(live_server, browser, locale, path):
    context = browser.new_context(**PHONE, locale=locale)
    try:
        page = context.new_page()
        page.goto(f"{live_server}{path}")
        found = page.evaluate(MEASURE)
        assert found["text"], found
        assert found["width"] <= found["room"], found
    finally:
        context.close()
