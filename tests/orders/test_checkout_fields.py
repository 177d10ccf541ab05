"""The checkout form's choices drawn by webapp/orders/fields.py are exactly what WTForms draws
(the radio options of the address and the payment method, the delivery windows' select), for
each state the form can be in: nothing chosen, a choice posted, a bad one, errors shown."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms.fields import RadioField
from wtforms.widgets import Select

from webapp.orders import fields
from webapp.orders.forms import CheckoutForm

POSTS = {
    "nothing posted": None,
    "second choices": {"address_id": "{second}", "window": "{window1}", "payment_method": "card"},
    "unknown choices": {"address_id": "999999", "window": "2000-01-01T09:00/2000-01-01T11:00",
                        "payment_method": "bitcoin"},
    "markup in values": {"address_id": "x", "window": '"><b>', "payment_method": "<i>"},
}
LANGUAGES = ["zh-CN", "en-US"]


def _form(app, world, addresses, posted):
    if posted is None:
        form = CheckoutForm(formdata=None, shop=world.shop, addresses=addresses)
        form.address_id.data = addresses[0].id
        return form
    windows = CheckoutForm(formdata=None, shop=world.shop, addresses=addresses).window.choices
    values = {name: value.format(second=addresses[1].id, window1=windows[1].value)
              for name, value in posted.items()}
    form = CheckoutForm(formdata=MultiDict(values), shop=world.shop, addresses=addresses)
    form.validate()  # errors on the bad ones, as a refused post draws them
    return form


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("posted", POSTS.values(), ids=POSTS.keys())
def test_choices_are_drawn_as_wtforms_draws_them(app, world, make_address, language, posted):
    addresses = [make_address(world.buyer), make_address(world.buyer, contact_name='李"四<')]
    with app.test_request_context(headers={"Accept-Language": language}):
        form = _form(app, world, addresses, posted)
        assert len(form.window.choices) > 3
        for name in ("address_id", "payment_method"):
            field = form[name]
            ours = [(o(), o.id, o.data, str(o.label.text), o.checked) for o in field]
            theirs = [(o(), o.id, o.data, str(o.label.text), o.checked)
                      for o in RadioField.__iter__(field)]
            assert ours == theirs and len(ours) >= 2
            assert field.type == "RadioField"  # the form macro draws it as one
        for kwargs in ({}, {"aria_invalid": "true", "aria_describedby": "window-error"}):
            drawn = [form.window(**kwargs) for _ in range(2)]  # the second from what is kept
            assert drawn[0] == drawn[1] == Select()(form.window, **kwargs)
        # Nothing posted: the first window is chosen (listed after "as soon as possible" and
        # pickup, which the buyer picks explicitly: issue 21).
        assert form.window().count(" selected ") == (posted is None or (
            "window" in posted and "<b>" not in posted["window"]
            and "2000" not in posted["window"]))


def test_kept_options_stay_bounded(app, world):
    with app.test_request_context():
        form = CheckoutForm(formdata=None, shop=world.shop, addresses=[])
        fields._OPTIONS.clear()
        for n in range(fields._OPTIONS_KEPT + 10):
            form.window.choices = [(f"v{n}", f"label {n}")]
            form.window()
        assert 0 < len(fields._OPTIONS) <= fields._OPTIONS_KEPT
