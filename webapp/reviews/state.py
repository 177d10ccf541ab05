"""Whether a review shows in full or folded behind its reason: the only status a review has,
moved only as MOVES says, by an admin (pure: imports nothing from the app)."""
from __future__ import annotations

from enum import StrEnum


class Visibility(StrEnum):
    SHOWN = "shown"
    FOLDED = "folded"


class ReviewAction(StrEnum):
    FOLD = "fold"
    UNFOLD = "unfold"


# (from, action) -> to. Only an admin folds or unfolds; nothing deletes a review.
MOVES: dict[tuple[Visibility, ReviewAction], Visibility] = {
    (Visibility.SHOWN, ReviewAction.FOLD): Visibility.FOLDED,
    (Visibility.FOLDED, ReviewAction.UNFOLD): Visibility.SHOWN,
}
WHO = "admin"


def move(current: Visibility, action: ReviewAction) -> Visibility | None:
    """The visibility `action` leads to from `current`, or None where it does not apply."""
    return MOVES.get((current, action))
