"""`flask payments …`: the scheduled jobs of online payments (cron, every minute) and what
`make run` prints about them.

    flask payments reconcile   ask the gateway about payments whose notification has not come
    flask payments refunds     send the refunds that are due, and retry those that failed
    flask payments status      where online payments go (the channels, or the development gateway)
"""
from __future__ import annotations

import logging
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Payment, utcnow
from webapp.payments import records
from webapp.payments.accounts import NoChannel, clients
from webapp.payments.channels import PaymentError, PaymentNotFound
from webapp.payments.refunds import send_due
from webapp.payments.state import PaymentState

log = logging.getLogger(__name__)

payments_group = AppGroup("payments", help="Online payments: reconcile with the gateways, send refunds.")

# A notification may take a few seconds; after a day the payment has long expired at the gateway.
RECONCILE_AFTER = timedelta(minutes=1)
RECONCILE_UNTIL = timedelta(days=1)


def reconcile() -> tuple[int, list[str]]:
    """Ask the gateway about each payment pending for more than a minute (and less than a day)
    and settle what it says; (how many were asked about, what changed). A gateway's trouble is
    logged and the payment left for the next run."""
    now = utcnow()
    ids = db.session.scalars(select(Payment.id).where(
        Payment.status == PaymentState.PENDING, Payment.created_at <= now - RECONCILE_AFTER,
        Payment.created_at > now - RECONCILE_UNTIL).order_by(Payment.id)).all()
    changes = []
    for payment_id in ids:
        payment = db.session.get(Payment, payment_id)
        before = str(payment.status)
        try:
            payment = records.check(payment)
        except PaymentNotFound:
            continue  # the buyer never opened the page or scanned the code
        except (PaymentError, NoChannel) as error:
            db.session.rollback()
            log.warning("payment %s (order %s): not reconciled: %r", payment.out_trade_no,
                        payment.order_id, error)
            continue
        if str(payment.status) != before:
            changes.append(f"order {payment.order_id}: {payment.channel} payment {payment.out_trade_no} "
                           f"{before} -> {payment.status}")
            send_due(order_id=payment.order_id)  # paid too late or twice: owed back at once
    return len(ids), changes


@payments_group.command("reconcile")
def reconcile_command() -> None:
    """Ask the gateways about payments whose notification has not come (every minute)."""
    asked, changes = reconcile()
    for change in changes:
        click.echo(change)
    click.echo(f"asked about {asked} pending payments, {len(changes)} changed")


@payments_group.command("refunds")
def refunds_command() -> None:
    """Send the refunds that are due, and try again those the gateway could not take."""
    click.echo(f"finished {send_due()} refunds")


@payments_group.command("status")
def status_command() -> None:
    """Say where online payments go."""
    dev = current_app.extensions.get("dev_gateway")
    if dev is not None:
        click.echo(f"Online payments go to the development gateway at {dev['url']}/ (no real money). "
                   "For the real channels set ALIPAY_* / WECHATPAY_* (README, payment settings); "
                   "PAYMENT_DEV_GATEWAY=0 turns it off.")
    elif clients():
        click.echo("Online payments: " + ", ".join(sorted(clients())) + ".")
    else:
        click.echo("Online payments are off: no channel is configured (README, payment settings).")
