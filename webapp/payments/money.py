"""Fen (integers, as the app keeps money) to and from the yuan strings Alipay speaks.

Exact both ways: no float ever holds an amount. WeChat Pay speaks fen already."""
from __future__ import annotations

import re

_YUAN = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?")


def fen_to_yuan(fen: int) -> str:
    """6580 -> "65.80"; 1 -> "0.01"."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise ValueError(f"an amount in fen is a non-negative integer, not {fen!r}")
    yuan, cents = divmod(fen, 100)
    return f"{yuan}.{cents:02d}"


def yuan_to_fen(text: str) -> int:
    """"65.80" (or "65.8", "65") -> 6580; anything else, a third decimal included, is refused."""
    match = _YUAN.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not an amount in yuan: {text!r}")
    whole, decimals = match.group(1), (match.group(2) or "").ljust(2, "0")
    return int(whole) * 100 + int(decimals)
