"""What the buyer's side and the merchant's side of a demand agree on: how many of a thing may be
asked for or offered, the refusal that names the form field it is about, and why a demand that
has ended takes no more quotes, changes or accepts."""
from __future__ import annotations

from webapp.i18n import N_
from webapp.models import DemandStatus
from webapp.web import ServiceError

MAX_QUANTITY = 9999

OPEN_DEMAND_MESSAGES = {
    DemandStatus.ACCEPTED: N_("该需求已成交，不能再报价或接受其他报价。"),
    DemandStatus.CLOSED: N_("买家已关闭该需求。"),
    DemandStatus.EXPIRED: N_("该需求已过期（超过买家的需要时间）。"),
}


class Rejected(ServiceError):
    """A rule said no to one field of a form; the view shows it beside that field."""

    status = 422

    def __init__(self, message: str, field: str | None = None, status: int | None = None):
        super().__init__(message, status)
        self.field = field
