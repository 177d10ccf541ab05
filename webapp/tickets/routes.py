"""The ticket page for thermal paper, printing it again on the shop's printer, and the printer
settings with a test print."""
from __future__ import annotations

import click
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import db
from webapp.models import Order, Role
from webapp.orders.queries import order_for
from webapp.shops.services import own_shop_or_403
from webapp.tickets import bp, devprinter, printing, services
from webapp.tickets.content import ticket_for
from webapp.tickets.forms import SavePrinterForm
from webapp.tickets.printer import WIDTHS, mask, when
from webapp.tickets.state import ERRORS, LABELS, PRINTED
from webapp.web import ServiceError, redirect_to, render, role_required, wants_fragment


def _own_order(order_id: int) -> Order:
    """The order, if it is this merchant's shop's (404 otherwise, as every order route)."""
    return order_for(current_user, order_id)


def _width(printer) -> int:
    chosen = request.args.get("width")
    if chosen is None:
        return printer.paper_mm if printer is not None else WIDTHS[0]
    if chosen not in {str(w) for w in WIDTHS}:
        raise ServiceError(_("纸宽只能是 58 或 80 毫米。"), 400)
    return int(chosen)


def _status_context(order: Order) -> dict:
    return {"order": order, "last": printing.last_print(order.id),
            "printer": printing.printer_of(order.shop_id), "labels": LABELS, "errors": ERRORS}


@bp.app_template_global()
def ticket_status(order: Order) -> dict:
    """For the merchant's order page: the order's last print and the shop's printer."""
    return _status_context(order)


@bp.get("/orders/<int:order_id>")
@role_required(Role.MERCHANT)
def ticket(order_id: int):
    """Show the order's ticket, laid out for 58 mm or 80 mm thermal paper."""
    order = _own_order(order_id)
    printer = printing.printer_of(order.shop_id)
    return render("tickets/ticket.html", ticket=ticket_for(order), width=_width(printer),
                  widths=WIDTHS, mask=mask, when=when, **_status_context(order))


@bp.get("/orders/<int:order_id>/status")
@role_required(Role.MERCHANT)
def status(order_id: int):
    """The order's last print on the shop's printer (the region asks again while it prints)."""
    order = _own_order(order_id)
    if not wants_fragment():  # the region's own address, opened as a page: the ticket's
        return redirect_to(url_for("tickets.ticket", order_id=order.id))
    return render("tickets/_status.html", **_status_context(order))


@bp.post("/orders/<int:order_id>/print")
@role_required(Role.MERCHANT)
def print_again(order_id: int):
    """Send the order's ticket to the shop's printer now; say how it went."""
    order = _own_order(order_id)
    printer = printing.printer_of(order.shop_id)
    if printer is None:
        raise ServiceError(_("还没有设置打印机：请先在“小票打印机”里填写打印机地址。"), 409)
    job = printing.queue(printer, "again", order.id)
    db.session.commit()
    outcome = printing.run(job)
    message = _("小票已发送到打印机。") if outcome == PRINTED else _("打印失败。")
    if not wants_fragment():
        flash(message, "success" if outcome == PRINTED else "error")
        return redirect_to(url_for("tickets.ticket", order_id=order.id))
    return render("tickets/_status.html", **_status_context(order))


def _printer_page(shop, form, status: int = 200):
    printer = printing.printer_of(shop.id)
    return render("tickets/printer.html", "tickets/_printer_form.html", status=status, form=form,
                  shop=shop, printer=printer, last=printing.last_test(shop.id), labels=LABELS,
                  errors=ERRORS)


@bp.route("/printer", methods=["GET", "POST"])
@role_required(Role.MERCHANT)
def printer():
    """The shop's network receipt printer: address, port, paper width, printing on accept."""
    shop = own_shop_or_403(current_user)
    saved = printing.printer_of(shop.id)
    if request.method == "GET":
        form = SavePrinterForm(obj=saved) if saved is not None else SavePrinterForm()
        return _printer_page(shop, form)
    form = SavePrinterForm()
    if not form.validate_on_submit():
        return _printer_page(shop, form, 422)
    services.save(shop, form.host.data, form.port.data, form.paper_mm.data, form.auto_print.data)
    # The whole page again (an htmx post gets HX-Redirect): the test print appears with it.
    flash(_("打印机设置已保存。"), "success")
    return redirect_to(url_for("tickets.printer"))


@bp.post("/printer/test")
@role_required(Role.MERCHANT)
def test_print():
    """Print a short test ticket on the shop's printer now; say how it went."""
    shop = own_shop_or_403(current_user)
    saved = printing.printer_of(shop.id)
    if saved is None:
        raise ServiceError(_("还没有设置打印机：请先填写打印机地址并保存。"), 409)
    job = printing.queue(saved, "test")
    db.session.commit()
    outcome = printing.run(job)
    if outcome == PRINTED:
        flash(_("测试小票已打印。"), "success")
    else:
        last = printing.last_test(shop.id)
        flash(_("测试打印失败：%(why)s", why=_(ERRORS.get(last.error, ERRORS["failed"]))), "error")
    return redirect_to(url_for("tickets.printer"))


@bp.cli.command("dev-printer")
@click.option("--port", default=9100, show_default=True, help="port on 127.0.0.1")
def dev_printer(port: int):
    """Stand in for a receipt printer on 127.0.0.1: show each ticket sent to it as text."""
    click.echo(f"Development printer on 127.0.0.1:{port}: set it as the shop's printer "
               "(tickets are shown here, nothing is printed).")
    devprinter.serve(port, show=click.echo)
