"""Compile the catalogs when they are missing or older than their .po (make test does it too),
so these tests also run from a plain `pytest`."""
from __future__ import annotations

from pathlib import Path

import pytest

TRANSLATIONS = Path(__file__).resolve().parents[2] / "webapp" / "translations"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)
