"""Property-based fuzzing of every form post: valid-looking and hostile values mixed, sent by the
user who may post the form. Never a 5xx; a refused post (4xx) leaves no row and no file behind."""
from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.helpers import HX, stored_files
from tests.support.images import jpeg_bytes
from tests.support.security import (
    FAR_TIMES,
    FORMS,
    HOSTILE_TEXT,
    OBJECTS,
    OWNER,
    SENDERS,
    TZ_COOKIES,
    changed_tables,
    path_for,
    rules,
    snapshot,
)
from webapp.i18n import TZ_COOKIE

# Examples per run: the Hypothesis profile (tests/conftest.py); db: run again on PostgreSQL.
pytestmark = [pytest.mark.fuzz, pytest.mark.db]

# Fields each form has beyond the valid example's, so that they are fuzzed too.
MORE_FIELDS = {
    "addresses.new": ["lat", "lng", "is_default", "region_refresh"],
    "addresses.edit": ["lat", "lng", "is_default", "region_refresh"],
    "auth.register": ["role"],
    "auth.phone_register": ["code", "password", "consent"],
    "auth.code_login": ["code", "remember"],
    "auth.reset_password": ["code", "password", "confirm"],
    "me.mobile": ["code", "password"],
    "catalog.products": ["description", "low_stock_at", "published", "remove_photo", "photo"],
    "catalog.edit": ["description", "low_stock_at", "published", "remove_photo", "photo"],
    "demands.new": ["description", "budget", "photo", "region_refresh"],
    "demands.quote": ["product_id"],
    "demands.edit_quote": ["product_id"],
    "merchants.apply": ["id_number", "mobile", "uscc", "shop_name", "handle_wish", "province",
                        "city", "district", "street", "id_front", "id_back", "licence_photo",
                        "region_refresh"],
    "merchants.shop_settings": ["description", "logo", "banner"],
    "merchants.hours_settings": ["day1", "day2", "day3", "day4", "day6"],
    "merchants.payment_accounts": ["sub_mchid"],
    "merchants.licences_page": ["photo"],
    "admin.reject_licence": ["note_kind", "note_expires_on", "note_photo", "comment"],
    "orders.sign": ["line-1", "reason-1", "note-1", "photo-1"],
    "delivery.fail": ["note", "photo"],
    "admin.approve": ["note_legal_name"],
    "admin.suspend": ["back"],
    "admin.synonyms": ["grocery", "snacks"],
    "admin.reinstate": ["back"],
    "orders.paid": ["amount"],
    "reviews.new": ["photos"],
    "reviews.report": ["note"],
    "aftersales.new": ["photos"],
}
DATE = r"\d{4}-\d\d-\d\dT\d\d:\d\d"  # a datetime-local input's value
FILE_FIELDS = {"photo", "photos", "logo", "banner", "id_front", "id_back", "licence_photo", "photo-1"}


def values(valid, others):
    """One field's value: the valid one, a hostile one, another's id, or several of them; a date
    field also gets a time at the ends of what datetime holds."""
    one = st.one_of(st.just(valid), HOSTILE_TEXT, st.sampled_from(others).map(str),
                    *([st.sampled_from(FAR_TIMES)] if re.fullmatch(DATE, str(valid)) else []))
    return st.one_of(one, one, one, st.lists(one, min_size=2, max_size=3))


FILE_VALUES = st.sampled_from(["jpeg", "junk", "empty", "huge-name", "text"])


def upload(kind: str):
    data = {"jpeg": jpeg_bytes((40, 30)), "junk": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            "empty": b"", "huge-name": jpeg_bytes((8, 8)), "text": "汉字".encode()}[kind]
    name = {"huge-name": "x" * 300 + ".jpg", "text": "a.txt"}.get(kind, "p.jpg")
    return (io.BytesIO(data), name)


# Posts that carry no form: the gateways' notifications, fuzzed in tests/payments/test_notify.py.
NOT_FORMS = {"payments.notify"}


def form_posts(app):
    """Every endpoint that takes a POST, from the URL map."""
    return sorted({rule.endpoint for rule in rules(app) if "POST" in rule.methods} - NOT_FORMS)


def _sender(app, v, endpoint):
    if endpoint in SENDERS:
        sender, form = SENDERS[endpoint]
        return sender, path_for(app, endpoint, {}), form(v)
    form = FORMS.get(endpoint, lambda app, v: {})(app, v)
    return OWNER[endpoint], path_for(app, endpoint, OBJECTS[endpoint](v)), form


def test_every_form_post_is_fuzzed(app):
    assert set(form_posts(app)) <= set(SENDERS) | set(OBJECTS)
    assert set(MORE_FIELDS) <= set(form_posts(app))


@pytest.fixture
def others(victims):
    """Ids of other people's things (and ids no row has) for any id-looking field."""
    v = victims
    return [v.unpublished.id, v.product_b.id, v.address.id, v.courier.id, v.courier_a.id,
            v.quote.id, v.demand.id, v.placed.id, v.buyer.id, v.shop_b.id, 0, -1, 2**31,
            2**63, 10**30]


def _all_form_posts():
    from webapp import create_app
    from webapp.config import TestConfig

    return form_posts(create_app(TestConfig))


@pytest.mark.parametrize("endpoint", _all_form_posts())
def test_a_fuzzed_form_never_breaks_the_server(app, victims, others, as_user, login_as, endpoint):
    sender, path, valid = _sender(app, victims, endpoint)
    user = None if sender == "anonymous" else getattr(victims, sender)
    client = as_user(user)
    names = list(valid) + MORE_FIELDS.get(endpoint, [])
    # Mostly the valid form with a few fields changed, so a bad value meets the code behind the
    # checks of the other fields too; sometimes fields dropped or unknown ones added.
    changes = st.dictionaries(st.sampled_from(names), st.none(), max_size=3).flatmap(
        lambda picked: st.fixed_dictionaries({
            name: FILE_VALUES if name in FILE_FIELDS else values(valid.get(name, ""), others)
            for name in picked})) if names else st.just({})
    drops = st.sets(st.sampled_from(names), max_size=1) if names else st.just(set())
    strategy = st.tuples(changes, drops,
                         st.dictionaries(st.text(max_size=12), HOSTILE_TEXT, max_size=2),
                         st.booleans(), st.sampled_from(TZ_COOKIES))

    @given(strategy)
    def post(case):
        changed, dropped, extra, htmx, zone = case
        if zone is None:
            client.delete_cookie(TZ_COOKIE)
        else:
            client.set_cookie(TZ_COOKIE, zone)
        form = {**extra, **valid}
        for name, value in changed.items():
            form[name] = upload(value) if name in FILE_FIELDS else value
        for name in dropped:
            form.pop(name, None)
        if user is not None:
            login_as(user, client)
        before, files = snapshot(), stored_files(app)
        response = client.post(path, data=form, headers=HX if htmx else {})
        response.close()
        assert response.status_code < 500, (endpoint, form)
        if response.status_code >= 400:
            assert changed_tables(before, snapshot()) == [], (endpoint, response.status_code)
            assert stored_files(app) == files, (endpoint, response.status_code)

    post()
