"""Reading a paged list (webapp/paging.py, the "more" row of templates/_macros/paging.html) the way
htmx does: the first page, then each "more" row's URL as an htmx request, to the end."""
from __future__ import annotations

import html
import re
from collections.abc import Callable

from tests.support.helpers import HX

MORE = re.compile(r'<(?:li|div) class="more-row"[^>]*>\s*<a class="button more" href="([^"]+)"')
# The whole row, to take it out of a page and see what else the page holds.
MORE_ROW = re.compile(r'<(li|div) class="more-row"[^>]*>.*?</\1>', re.S)
BAD_CURSOR = "页码参数无效"


def more_url(text: str) -> str | None:
    """The URL of the page's "more" row, None after the last page."""
    found = MORE.findall(text)
    assert len(found) <= 1, found
    return html.unescape(found[0]) if found else None


def walk(client, first: str, row: str, between: Callable[[int], None] = lambda n: None,
         headers: dict | None = None, limit: int = 100) -> tuple[list[int], list[str]]:
    """Read the list at `first` to its end; `row` is a pattern with the item's id as its group.

    `between(n)` runs after page n (from 1) has been read and before the next one is. Every next
    page must be an htmx fragment holding only its rows and the next "more" row. Return the ids
    in the order they were shown, and each answer's text.
    """
    ids: list[int] = []
    texts: list[str] = []
    response = client.get(first, headers=headers or {})
    for n in range(1, limit + 1):
        assert response.status_code == 200, response.text[:300]
        texts.append(response.text)
        ids += [int(i) for i in re.findall(row, response.text)]
        if n > 1:
            assert "<html" not in response.text and "<section" not in response.text
            assert response.text.lstrip().startswith("<li"), response.text[:200]
        following = more_url(response.text)
        if following is None:
            return ids, texts
        between(n)
        response = client.get(following, headers=HX)
    raise AssertionError(f"more than {limit} pages")


def pages(client, first: str, items: Callable[[str], list[int]],
          between: Callable[[int], None] = lambda n: None, htmx: bool = True,
          limit: int = 50) -> list[list[int]]:
    """The items of every page, following the "more" link from `first` (as htmx does, or as a
    browser without JavaScript does); `between(n)` runs after page n has been read."""
    read, path = [], first
    while path is not None:
        response = client.get(path, headers=HX if htmx and read else {})
        assert response.status_code == 200, response.text[:300]
        read.append(items(response.text))
        path = more_url(response.text)
        between(len(read))
        assert len(read) < limit
    return read
