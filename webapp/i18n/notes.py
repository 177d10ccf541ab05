"""Notes in an order's log are stored in Chinese, the source language, so that every reader can
get them in their own: a note that is a message (a cancel reason) is translated as it is, and a
note built from one of the patterns in orders.services.STORED_NOTES ("已收款：%(method)s
%(amount)s") is matched, its parts translated, and put into the reader's pattern."""
from __future__ import annotations

import re
from functools import lru_cache

from flask_babel import gettext


@lru_cache(maxsize=None)
def _pattern(template: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                    for i, part in enumerate(parts))
    return re.compile(regex, re.S)


def translate_note(note: str | None) -> str:
    """`note` in the current language where it is a known message or pattern, else as it is."""
    if not note:
        return note or ""
    translated = gettext(note)
    if translated != note:
        return translated
    from webapp.orders.services import STORED_NOTES

    for template in STORED_NOTES:
        match = _pattern(template).fullmatch(note)
        if match:
            parts = {key: translate_note(value) for key, value in match.groupdict().items()}
            return gettext(template, **parts)
    return note
