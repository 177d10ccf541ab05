"""Text kept in the source language (Chinese) and translated where it is shown. Imports nothing
from the app, so any module, the i18n package's own included, may use it."""
from __future__ import annotations

from flask_babel import gettext


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown (gettext)."""
    return message


class TranslatedLabels(dict):
    """A label table whose lookups come back in the page's language (the values are msgids)."""

    def __getitem__(self, key):
        return gettext(super().__getitem__(key))

    def get(self, key, default=None):
        return self[key] if key in self else default
