"""Property-based fuzzing of every GET route of the URL map: odd path segments where the route
takes an id, a handle, a kind or a file name (zeros, signs, numbers too big for a column, other
scripts' digits, NUL, encoded slashes and dots), and query strings with the names the app reads
and random ones, hostile values, repeated names and malformed encodings. Sent by anyone, from the
anonymous visitor to the victims' own accounts: never a 5xx, and nothing of the victims shown to
someone who may not see it."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.helpers import HX
from tests.support.security import HOSTILE_TEXT, INTRUDERS, OBJECTS, OWNER, leaks, rules

ROOT = Path(__file__).resolve().parents[2]

# Examples per run: the Hypothesis profile (tests/conftest.py); db: run again on PostgreSQL.
pytestmark = [pytest.mark.fuzz, pytest.mark.db]

# Every query-string name the views and templates read (test_every_query_name_is_fuzzed finds
# them in the source), plus a few the app has never heard of.
QUERY_NAMES = ["address", "after", "all", "category", "city", "column", "district", "edit", "lat",
               "lng", "logged_out", "next", "open_after", "province", "q", "quotes_after", "reset", "status",
               "stock", "tab", "title", "view", "before", "width"]
QUERY_NAMES += ["period", "from", "to"]  # the sales figures' period (webapp/stats)
QUERY_NAMES += ["code"]  # the product manager's barcode scanner (catalog.barcode)
UNKNOWN_NAMES = ["page", "id", "order_id", "lang", "_method", "__proto__", "q[]", ""]

# What a segment of an `<int:…>` path may be given: the converter must turn all of these into a
# 404 (or the view into a 4xx), never an exception.
ODD_IDS = ["0", "-1", "-0", "+1", "00001", "1.0", "1e3", "0x1", " 1", "1 ", "%201", "%00",
           "1%00", "9" * 40, str(2**31 - 1), str(2**31), str(2**63 - 1), str(2**63), "NaN",
           "\uff11\uff12", "\u0661", "\u00b9", "", "..", "%2e%2e", "%2F", "1%2F2", "a", "汉"]
# …and a segment of a `<handle>`, `<kind>` or `<path:filename>`.
ODD_SEGMENTS = ["", ".", "..", "%2e%2e", "%00", "a%00b", "%2F", "..%2F..%2Fetc%2Fpasswd",
                "%ff", "%", "%zz", "%20", "汉字", "😀", "x" * 300, "'--", "<b>", "{{7*7}}",
                "logo", "banner", "line", "event", "id_front", "licence_photo", "LOGO"]
ODD_FILES = ["../../webapp/config.py", "..%2F..%2Fwebapp%2Fconfig.py", "css/../../README.md",
             "css/app.css%00", "css/app.css/", "css//app.css", "/etc/passwd", "css/%2e%2e/x",
             "vendor/" + "x" * 300, "css/app.css%3Fx", "%ff.js"]
# Whole query strings the way a broken client or a scanner sends them.
RAW_QUERIES = ["code=6901234567892", "code=" + "%EF%BC%96" * 13, "code=" + "9" * 5000, "code=%00",
               "&&&", "=", "==&=", "q", "q=%", "q=%zz", "q=%ff%fe", "q=%00", "q=%C0%AF",
               "tab=%E0%A4", "a=1;b=2", "next=%0d%0aSet-Cookie:x=1", "+=+", "q=" + "%41" * 2000]
# Paging cursors (webapp/paging.py) that decode but do not fit a list's key: a string, a float
# past any column, an integer past SQLite's, null, two strings, a bad date, a boolean. And more.
RAW_QUERIES += ["after=" + c for c in (
    "WyJ4Il0", "WzFlKzMwMF0", "WzEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd", "W251bGxd",
    "WyJ4IiwgInkiXQ", "W3sidCI6ICJubyJ9LCAxXQ", "W3RydWUsIC0xXQ", "A" * 600, "%00")]
# …and the courier's open list's (rank, window, id): two values, a string, a bad date, a date
# with a time zone, one past the ranks with a date for the time.
RAW_QUERIES += ["open_after=" + c for c in (
    "WzAsIDFd", "WzAsICJ4IiwgMV0", "WzAsIHsidCI6ICJubyJ9LCAxXQ", "WzIsIHsiZCI6ICIyMDI2LTAxLTAxIn0sIDFd",
    "WzAsIHsidCI6ICIyMDI2LTAxLTAxVDAwOjAwOjAwKzA4OjAwIn0sIDFd", "A" * 600)]


def get_routes(app) -> list:
    return sorted((rule for rule in rules(app) if "GET" in rule.methods),
                  key=lambda rule: rule.endpoint)


def _all_get_endpoints():
    from webapp import create_app
    from webapp.config import TestConfig

    return [rule.endpoint for rule in get_routes(create_app(TestConfig))]


ARGUMENT = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\((?P<args>.*?)\))?:)?"
                      r"(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")


def valid_values(v, endpoint: str) -> dict:
    """The values of a request the route's owner would make (the access matrix's fill)."""
    if endpoint == "static":
        return {"filename": "css/app.css"}
    if endpoint in OBJECTS:
        return OBJECTS[endpoint](v)
    return {"handle": v.shop_a.handle, "kind": "logo"}


def segment(converter: str | None, valid, others):
    """One path segment: the valid value, someone else's id, or something odd, as sent."""
    if converter == "int":
        return st.one_of(st.just(str(valid)), st.sampled_from(others).map(str),
                         st.sampled_from(ODD_IDS))
    if converter == "path":
        return st.one_of(st.just(str(valid)), st.sampled_from(ODD_FILES),
                         st.text(max_size=12).map(lambda s: quote(s, safe="/")))
    return st.one_of(st.just(quote(str(valid), safe="")), st.sampled_from(ODD_SEGMENTS),
                     st.text(max_size=12).map(lambda s: quote(s, safe="")))


def path_strategy(rule, values: dict, others):
    """The rule's path with each argument drawn from `segment` (percent-encoding kept as sent)."""
    pieces, last = [], 0
    for match in ARGUMENT.finditer(rule.rule):
        pieces.append(st.just(rule.rule[last:match.start()]))
        pieces.append(segment(match["converter"], values[match["name"]], others))
        last = match.end()
    pieces.append(st.just(rule.rule[last:]))
    return st.tuples(*pieces).map("".join)


def query_strategy():
    pair = st.tuples(st.one_of(st.sampled_from(QUERY_NAMES), st.sampled_from(QUERY_NAMES),
                               st.sampled_from(UNKNOWN_NAMES), st.text(max_size=8)),
                     st.one_of(HOSTILE_TEXT, st.sampled_from(["1", "0", "all", "mine", "-1",
                                                              "//evil.example/", "/orders/",
                                                              "javascript:alert(1)"])))
    encoded = st.lists(pair, max_size=5).map(
        lambda pairs: urlencode(pairs, encoding="utf-8", errors="surrogatepass"))
    return st.one_of(encoded, encoded, encoded, st.sampled_from(RAW_QUERIES))


def test_every_query_name_is_fuzzed():
    """Every `request.args.get("…")` in the views and templates is among QUERY_NAMES."""
    found = set()
    read = re.compile(r"request\.(?:args|values)(?:\.get(?:list)?\(|\[)\s*[\"']([^\"']+)[\"']")
    for pattern in ("webapp/**/*.py", "templates/**/*.html"):
        for source in ROOT.glob(pattern):
            found |= set(read.findall(source.read_text(encoding="utf-8")))
    assert found, "no request.args read found: the scan is broken"
    assert found <= set(QUERY_NAMES), sorted(found - set(QUERY_NAMES))


def test_every_get_route_is_fuzzed(app):
    endpoints = {rule.endpoint for rule in get_routes(app)}
    assert endpoints == set(_all_get_endpoints())
    # Each argument of each route has a value to start from (and an odd one to try).
    for rule in get_routes(app):
        names = {match["name"] for match in ARGUMENT.finditer(rule.rule)}
        assert names == set(rule.arguments), rule.rule


@pytest.fixture
def others(victims):
    """Ids of other people's things (and ids no row has) for any `<int:…>` segment."""
    v = victims
    return [v.unpublished.id, v.product_b.id, v.address.id, v.courier.id, v.placed.id,
            v.completed.id, v.completed_line.id, v.quote.id, v.demand.id, v.shop_b.id,
            v.pending[0].id, v.application_a.id, 0, 2**31, 2**63]


@pytest.mark.parametrize("endpoint", _all_get_endpoints())
def test_a_fuzzed_get_never_breaks_the_server(app, victims, others, as_user, endpoint):
    (rule,) = [rule for rule in get_routes(app) if rule.endpoint == endpoint]
    owner = OWNER.get(endpoint)
    senders = list(INTRUDERS) + ([owner] if owner else ["buyer_a", "merchant_a", "courier_a"])
    strategy = st.tuples(st.sampled_from(senders),
                         path_strategy(rule, valid_values(victims, endpoint), others),
                         query_strategy(), st.booleans())

    @given(strategy)
    def get(case):
        sender, path, query, htmx = case
        user = None if sender == "anonymous" else getattr(victims, sender)
        client = as_user(user)
        response = client.get(path, query_string=query, headers=HX if htmx else {})
        try:
            assert response.status_code < 500, (sender, path, query)
            if sender in INTRUDERS:
                assert leaks(response, sender) == [], (sender, path, query)
        finally:
            response.close()

    get()
