"""The shop's printer settings: where its network printer is, checked as it is typed."""
from __future__ import annotations

import ipaddress
import re

from flask_babel import gettext as _

from webapp.extensions import db
from webapp.models import Shop
from webapp.models.ticket import ShopPrinter
from webapp.tickets.printer import SERVICE_PORTS, WIDTHS, allowed_address

# A host name as RFC 1123 has it: dot-separated labels of letters, digits and inner hyphens.
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def clean_host(text: str) -> str:
    return (text or "").strip().lower().rstrip(".")


def host_problem(text: str) -> str | None:
    """Why `text` is not a printer's address (an IPv4 or IPv6 address, or a host name), or None."""
    host = clean_host(text)
    if not host:
        return _("请填写打印机的 IP 地址或主机名")
    if "://" in host or "/" in host or " " in host:
        return _("只填地址本身，例如 192.168.1.50，不要带 http:// 或路径")
    try:
        ip = str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        ip = None
    if ip is not None:
        if not allowed_address(ip):
            return _("这个地址不能用作打印机（本机、广播或保留地址）")
        return None
    if re.fullmatch(r"[\d.]+", host):
        return _("IP 地址无效：应为四段 0–255 的数字，例如 192.168.1.50")
    if ":" in host:
        return _("端口请填在下面的端口一栏")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        return _("主机名只能包含字母、数字、连字符和点，例如 printer.local")
    if host == "localhost" and not allowed_address("127.0.0.1"):
        return _("这个地址不能用作打印机（本机、广播或保留地址）")
    return None


def port_problem(text: str) -> str | None:
    value = (text or "").strip()
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 65535:
        return _("端口应为 1–65535 的数字，网口打印机通常是 9100")
    if int(value) in SERVICE_PORTS:
        return _("这个端口属于数据库等服务，不是打印机的端口")
    return None


def save(shop: Shop, host: str, port: str, paper_mm: int, auto_print: bool) -> ShopPrinter:
    """Store the shop's printer (checked by the form)."""
    if paper_mm not in WIDTHS:
        paper_mm = WIDTHS[0]
    printer = db.session.get(ShopPrinter, shop.id)
    if printer is None:
        printer = ShopPrinter(shop_id=shop.id)
        db.session.add(printer)
    printer.host, printer.port = clean_host(host).strip("[]"), int(port.strip())
    printer.paper_mm, printer.auto_print = paper_mm, bool(auto_print)
    db.session.commit()
    return printer


def remove(shop: Shop) -> None:
    """Forget the shop's printer: tickets print from the page only."""
    printer = db.session.get(ShopPrinter, shop.id)
    if printer is not None:
        db.session.delete(printer)
        db.session.commit()
