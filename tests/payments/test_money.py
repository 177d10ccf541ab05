"""Fen to yuan and back, exactly."""
from __future__ import annotations

import pytest

from webapp.payments.money import fen_to_yuan, yuan_to_fen


@pytest.mark.parametrize("fen, yuan", [
    (0, "0.00"), (1, "0.01"), (10, "0.10"), (99, "0.99"), (100, "1.00"), (6580, "65.80"),
    (10_000_000_001, "100000000.01"), (2**53 + 1, "90071992547409.93"),
])
def test_round_trip(fen, yuan):
    assert fen_to_yuan(fen) == yuan
    assert yuan_to_fen(yuan) == fen


@pytest.mark.parametrize("text, fen", [("65.8", 6580), ("65", 6500), ("0.1", 10), (" 1.00 ", 100)])
def test_shorter_forms(text, fen):
    assert yuan_to_fen(text) == fen


@pytest.mark.parametrize("text", ["", "65.801", "-1.00", "1e3", "0x10", "01.00", "1.", ".5", "1,00",
                                  "６５.８０", "NaN", None, 65.8])
def test_refused_amounts(text):
    with pytest.raises(ValueError):
        yuan_to_fen(text)


@pytest.mark.parametrize("fen", [-1, 1.0, "100", True, None])
def test_fen_are_non_negative_integers(fen):
    with pytest.raises(ValueError):
        fen_to_yuan(fen)
