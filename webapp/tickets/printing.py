"""Printing tickets without holding anyone up: a print is queued (a ticket_print row) in the
transaction that asks for it, and sent once that commits, in the background (a greenlet under
gunicorn's gevent worker, a thread otherwise) where NOTIFY_IN_BACKGROUND, like the
notifications; its outcome (printed, or failed and why) is stored on the row, which the order
page and the printer settings show. A print the merchant asks for on the spot (again, a test)
runs in their request, within PRINTER_TIMEOUT_SECONDS, so they see its outcome at once.
Nothing here fails what asked for it: every error ends as a failed row and a log line."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from webapp.cas import update_where
from webapp.extensions import db, socketio
from webapp.models import Order, utcnow
from webapp.models.ticket import ShopPrinter, TicketPrint
from webapp.tickets.content import ticket_for
from webapp.tickets.printer import PrintFailed, compose, send, test_ticket
from webapp.tickets.state import FAILED, PRINTED, QUEUED, move

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """What a print needs once the transaction that queued it has committed."""

    print_id: int
    shop_id: int
    order_id: int | None
    host: str
    port: int
    paper_mm: int


def printer_of(shop_id: int) -> ShopPrinter | None:
    return db.session.get(ShopPrinter, shop_id)


def queue(printer: ShopPrinter, trigger: str, order_id: int | None = None) -> Job:
    """Add a queued print of the order (or a test ticket) to the current transaction."""
    row = TicketPrint(shop_id=printer.shop_id, order_id=order_id, trigger=trigger, status=QUEUED,
                      printer=f"{printer.host}:{printer.port}")
    db.session.add(row)
    db.session.flush()
    return Job(row.id, printer.shop_id, order_id, printer.host, printer.port, printer.paper_mm)


def on_accept(order: Order) -> None:
    """Print an order the shop just accepted, once that commits, if its printer says so."""
    printer = printer_of(order.shop_id)
    if printer is None or not printer.auto_print:
        return
    db.session.info.setdefault("pending_tickets", []).append(queue(printer, "accept", order.id))


@event.listens_for(Session, "after_commit")
def _start(session: Session) -> None:
    jobs = session.info.pop("pending_tickets", [])
    if not jobs:
        return
    app = current_app._get_current_object()
    if app.config["NOTIFY_IN_BACKGROUND"]:
        socketio.start_background_task(_run, app, jobs)
    else:  # the tests: printed when the commit returns (in a context of its own, a new session)
        _run(app, jobs)


@event.listens_for(Session, "after_soft_rollback")
def _drop(session: Session, previous_transaction) -> None:
    session.info.pop("pending_tickets", None)


def _run(app, jobs: list[Job]) -> None:
    with app.app_context():
        try:
            for job in jobs:
                run(job)
        finally:
            db.session.remove()


def ticket_bytes(job: Job) -> bytes:
    if job.order_id is None:
        return test_ticket(job.paper_mm)
    order = db.session.scalar(select(Order).options(selectinload(Order.lines)).where(
        Order.id == job.order_id, Order.shop_id == job.shop_id))
    with force_locale("zh_CN"):
        return compose(ticket_for(order), job.paper_mm)


def run(job: Job) -> str:
    """Send one queued print and store how it went (printed, or failed with why); never raises."""
    try:
        send(ticket_bytes(job), job.host, job.port)
    except PrintFailed as failure:
        log.warning("ticket print %s to %s:%s failed: %s", job.print_id, job.host, job.port,
                    failure)
        return _finish(job, FAILED, failure.code)
    except Exception:  # noqa: BLE001 - the change that asked for it is committed
        log.exception("ticket print %s to %s:%s failed", job.print_id, job.host, job.port)
        return _finish(job, FAILED, "failed")
    return _finish(job, PRINTED, "")


def _finish(job: Job, status: str, error: str) -> str:
    db.session.rollback()
    move(QUEUED, status)
    update_where(TicketPrint, TicketPrint.id == job.print_id, TicketPrint.status == QUEUED,
                 status=status, error=error, finished_at=utcnow())
    db.session.commit()
    return status


def last_print(order_id: int) -> TicketPrint | None:
    """The order's newest print, if any."""
    return db.session.scalar(select(TicketPrint).where(TicketPrint.order_id == order_id)
                             .order_by(TicketPrint.id.desc()).limit(1))


def last_test(shop_id: int) -> TicketPrint | None:
    return db.session.scalar(select(TicketPrint).where(
        TicketPrint.shop_id == shop_id, TicketPrint.order_id.is_(None))
        .order_by(TicketPrint.id.desc()).limit(1))
