"""The English catalog covers every marked string, with nothing fuzzy, empty or mismatched.

Chinese is the source language: its msgids are the Chinese text shown as it is, so zh_CN needs
no catalog and is complete by construction."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.support.i18n import walked
from webapp.i18n import LOCALES, labels
from webapp.models.order import PAYMENT_LABELS, PAYMENT_STATUS_LABELS, PICKUP_PAYMENT_LABELS
from webapp.orders.queries import BUYER_TABS
from webapp.orders.state import LABELS
from webapp.payments import state as payment_state

ROOT = Path(__file__).resolve().parents[2]
EN_PO = ROOT / "webapp" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
# As `make messages` runs pybabel extract.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*[sd]")


def forms(text) -> tuple[str, ...]:
    """A message's text as a tuple: the singular and plural of an ngettext entry, else one."""
    return tuple(text) if isinstance(text, (tuple, list)) else (text,)


@pytest.fixture(scope="module")
def english():
    with EN_PO.open("rb") as source:
        return read_po(source, locale="en")


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=walked):
        found.update(message if isinstance(message, tuple) else (message,))
    return {m for m in found if m}


def test_extraction_finds_the_wrapped_strings(extracted):
    # A broken babel.cfg would find nothing and make the next test pass for nothing.
    assert {"跳到正文", "登录信集", "加入购物车", "确认订单", "请输入密码", "页面已过期，请刷新后重试。",
            "提交订单 %(total)s", "待接单"} <= extracted
    assert "＋ 新增收货地址" in extracted  # templates/_macros/checkout.html
    assert len(extracted) > 200


def test_every_extracted_message_is_in_the_english_catalog(english, extracted):
    missing = sorted(m for m in extracted if m not in english)
    assert not missing, f"run `make messages` and translate: {missing}"


def test_the_english_catalog_is_complete(english):
    messages = [m for m in english if m.id]
    assert len(messages) > 200
    assert not [m.id for m in messages if not all(forms(m.string))], "untranslated"
    assert any(m.pluralizable for m in messages)  # the plural forms are checked too
    assert not [m.id for m in messages if m.fuzzy], "fuzzy"
    assert not english.fuzzy
    assert not [m.id for m in english.obsolete.values()], "obsolete entries"


def test_translations_keep_their_placeholders(english):
    for message in english:
        if message.id:
            wanted = sorted(PLACEHOLDER.findall(forms(message.id)[-1]))
            for text in forms(message.string):
                assert sorted(PLACEHOLDER.findall(text)) == wanted, message.id


def test_english_has_no_chinese_left(english):
    # Quoted examples of Chinese input (a search for "橙", a synonym group on the admin's page)
    # are the only Chinese an English page should show: that is what the person types.
    allowed = {"一两个字也能搜，比如“橙”“大米”；拼音和首字母也行，比如“qicheng”“qc”；也可以搜店铺名。",
               "每行一组，词之间用空格分开，如：土豆 马铃薯 洋芋"}
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert not [m.id for m in english if m.id and m.id not in allowed
                and any(cjk.search(text) for text in forms(m.string))]


def test_labels_from_pure_python_modules_are_marked(extracted):
    """state.py and models import no Flask, so labels.py marks their labels for extraction."""
    shown = {*LABELS.values(), *PAYMENT_LABELS.values(), *PICKUP_PAYMENT_LABELS.values(),
             *PAYMENT_STATUS_LABELS.values(),
             *(label for label, _statuses in BUYER_TABS.values())}
    assert shown <= extracted
    assert shown >= {*labels.ORDER_STATUS, *labels.PAYMENT}
    payments = {*payment_state.CHANNEL_LABELS.values(), *payment_state.REFUND_REASONS.values(),
                *payment_state.PAYMENT_LABELS.values(), *payment_state.REFUND_LABELS.values()}
    assert payments <= extracted and payments >= set(labels.PAYMENTS)


def test_the_locales(english):
    assert LOCALES == ("zh_CN", "en")
    assert str(english.locale) == "en"
