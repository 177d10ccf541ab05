"""Passwords people commonly choose, refused wherever a password is set (registration, a
courier's first password, `flask create-admin`). The lists are in webapp/auth/data/."""
from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

DATA = Path(__file__).resolve().parent / "data"
COMMON_MESSAGE = _l("这个密码太常见，很容易被猜到，请换一个。")
# One piece of up to four characters said again and again: 11111111, 52005200, abcabcabc.
_REPEATED = re.compile(r"(.{1,4})\1+", re.DOTALL)


@cache
def common_passwords() -> frozenset[str]:
    """Django's list of 20,000 common passwords and the project's Chinese additions, lower-cased."""
    with gzip.open(DATA / "common-passwords.txt.gz", "rt", encoding="utf-8") as lines:
        words = {line.strip().lower() for line in lines}
    extra = (DATA / "common-passwords-zh.txt").read_text(encoding="utf-8").splitlines()
    words.update(line.strip().lower() for line in extra if not line.startswith("#"))
    words.discard("")
    return frozenset(words)


def is_common(password: str) -> bool:
    candidate = password.strip().lower()
    return candidate in common_passwords() or _REPEATED.fullmatch(candidate) is not None


class NotCommon:
    """A form validator: refuse a password on the common lists, with one clear message."""

    def __call__(self, form, field) -> None:
        if field.data and not field.errors and is_common(field.data):
            raise ValidationError(COMMON_MESSAGE)
