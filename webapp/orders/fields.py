"""The checkout form's choices drawn without WTForms' per-option machinery, in the same HTML.

The checkout form is drawn on every checkout page and again on every refusal (a storm of
buyers for the last units is mostly refusals), and WTForms builds a field for each radio
option and formats each option's attributes anew: that was most of the cost of drawing the
form. Here a radio option is one formatted string, and the delivery windows' options (the same
for every buyer of a shop in a language on a day) are formatted once per process.
tests/orders/test_checkout_fields.py checks the HTML against WTForms' own for each case.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape
from wtforms.fields import RadioField
from wtforms.widgets import RadioInput, Select, html_params


@dataclass(frozen=True)
class _Label:
    text: str


@dataclass(frozen=True)
class PlainOption:
    """What a template uses of a radio option: option() (its input), .label.text, .data,
    .id, .checked."""

    html: Markup
    id: str
    data: object
    label: _Label
    checked: bool

    def __call__(self) -> Markup:
        return self.html


class PlainRadioField(RadioField):
    """A RadioField whose options are PlainOption (WTForms' own subfields when it has
    attributes of its own to render, or another widget). Templates see it as a RadioField."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "RadioField"

    def __iter__(self):
        flags = self.flags
        if (self.render_kw or getattr(flags, "disabled", False)
                or type(self.option_widget) is not RadioInput):
            yield from super().__iter__()
            return
        required = " required" if getattr(flags, "required", False) else ""
        name = escape(self.name)
        for i, choice in enumerate(self.iter_choices()):
            option_id = f"{self.id}-{i}"
            checked = "checked " if choice.selected else ""
            html = Markup(f'<input {checked}id="{escape(option_id)}" name="{name}"{required} '
                          f'type="radio" value="{escape(str(choice.value))}">')
            yield PlainOption(html, option_id, choice.value,
                              _Label(choice.label or choice.value), choice.selected)


# (value, label, selected) -> the option's HTML; a new day's windows are new keys.
_OPTIONS: dict[tuple[str, str, bool], str] = {}
_OPTIONS_KEPT = 4096


class KeptOptionsSelect(Select):
    """A single select whose options' HTML is kept per process (value, label, selected)."""

    def __call__(self, field, **kwargs):
        choices = field.iter_choices()
        if self.multiple or field.has_groups() or any(c.render_kw for c in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = field.flags
        for k in self.validation_attrs:
            if k not in kwargs and getattr(flags, k, False):
                kwargs[k] = getattr(flags, k)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for choice in choices:
            html.append(_option(choice.value, choice.label, choice.selected))
        html.append("</select>")
        return Markup("".join(html))


def _option(value, label, selected: bool) -> str:
    key = (value, label, selected)
    if (kept := _OPTIONS.get(key)) is not None:
        return kept
    rendered = Select.render_option(_Choice(value, label, selected))
    if isinstance(value, str) and isinstance(label, str):  # not a lazy string: fixed
        if len(_OPTIONS) >= _OPTIONS_KEPT:
            _OPTIONS.clear()
        _OPTIONS[key] = rendered
    return rendered


@dataclass(frozen=True)
class _Choice:
    value: object
    label: object
    selected: bool
    render_kw: dict | None = None
