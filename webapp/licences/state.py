"""How a shop's licence moves, as webapp/payments/state.py for accounts: SUBMITTED when its
merchant uploads it, then APPROVED by an admin (valid until its expiry) or REJECTED with a
reason per field. A renewal is a new licence (a new row); the one approved before keeps its
shop selling until it expires. Expiry is not a status: every query compares `expires_at` with
the clock, so a licence lapses at its moment without a job."""
from __future__ import annotations

from enum import StrEnum

from webapp.i18n.marks import N_


class LicenceStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class LicenceEvent(StrEnum):
    APPROVED = "approved"  # an admin checked every field
    REJECTED = "rejected"  # an admin refused it, with a reason per field the merchant sees


LICENCE_MOVES: dict[tuple[LicenceStatus, LicenceEvent], LicenceStatus] = {
    (LicenceStatus.SUBMITTED, LicenceEvent.APPROVED): LicenceStatus.APPROVED,
    (LicenceStatus.SUBMITTED, LicenceEvent.REJECTED): LicenceStatus.REJECTED,
}

STATUS_LABELS = {LicenceStatus.SUBMITTED: N_("待审核"), LicenceStatus.APPROVED: N_("已通过"),
                 LicenceStatus.REJECTED: N_("已驳回")}


def next_status(status: LicenceStatus, event: LicenceEvent) -> LicenceStatus | None:
    """The status `event` moves a licence in `status` to, or None if it may not."""
    return LICENCE_MOVES.get((LicenceStatus(status), event))
