"""Walking a paged list through its "more" rows as htmx does, and what a keyset walk must show
when orders change between two page reads.

A walk reads the first page, then each next page its "more" row names. Before each read it
notes every order's status (`snapshot`): each order the walk passes over must be shown exactly
when it belonged to the list at the read of the page its id falls in. So an order that keeps
its place in the list all along is shown once; one that leaves before the walk reaches it is
not shown, one that joins before the walk reaches it is shown, one the walk has passed is not
shown again; no order is shown twice."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.helpers import HX
from tests.support.paged import more_url


def ids_in(text: str, prefix: str) -> list[int]:
    """The order ids of the elements id="<prefix><id>", in the page's order."""
    return [int(n) for n in re.findall(rf'id="{prefix}(\d+)"', text)]


@dataclass
class Walk:
    pages: list[list[int]] = field(default_factory=list)
    snapshots: list[dict] = field(default_factory=list)

    @property
    def shown(self) -> list[int]:
        return [order_id for page in self.pages for order_id in page]


def walk(client, url: str, prefix: str, snapshot: Callable[[], dict],
         part: Callable[[str], str] = lambda text: text,
         between: Callable[[int], None] = lambda step: None) -> Walk:
    """Read `url` (htmx) and every next page; `part` picks the list out of the first answer (a
    board column), `between(step)` changes orders before each next read."""
    done = Walk()
    done.snapshots.append(snapshot())
    response = client.get(url, headers=HX)
    assert response.status_code == 200, response.text[:300]
    text = part(response.text)
    done.pages.append(ids_in(text, prefix))
    while (following := more_url(text)) is not None:
        between(len(done.pages))
        done.snapshots.append(snapshot())
        response = client.get(following, headers=HX)
        assert response.status_code == 200, response.text[:300]
        assert "<html" not in response.text  # only the next items and "more" row
        text = response.text
        done.pages.append(ids_in(text, prefix))
    return done


def expected_pages(done: Walk, member: Callable[[object], bool], descending: bool) -> list:
    """What each page of `done` must show: the orders that were members at the page's read, in
    the walk's order, between the last order of the page before and its own last order (to the
    end for the last page)."""
    expected, boundary = [], None
    for n, (page, statuses) in enumerate(zip(done.pages, done.snapshots, strict=True)):
        last = page[-1] if page and n < len(done.pages) - 1 else None
        ids = sorted((i for i, status in statuses.items() if member(status)), reverse=descending)

        def within(i, boundary=boundary, last=last):
            past = boundary is None or (i < boundary if descending else i > boundary)
            upto = last is None or (i >= last if descending else i <= last)
            return past and upto

        expected.append([i for i in ids if within(i)])
        boundary = last
    return expected
