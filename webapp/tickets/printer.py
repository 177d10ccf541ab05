"""The ticket as ESC/POS, and sending it to the shop's network printer with python-escpos.

Chinese goes in the printer's Chinese mode (FS &) as GB18030, the code page Chinese receipt
printers read there; python-escpos' own text encoding (its code page guessing) knows no Chinese,
so every line is encoded here and sent raw. Its Dummy printer composes the commands (init,
alignment, sizes, the feed and cut) and its Network printer sends them over raw TCP, each step
within PRINTER_TIMEOUT_SECONDS. What a buyer typed loses its control characters first: an ESC
in a note would be a printer command (open the cash drawer, cut)."""
from __future__ import annotations

import importlib
import ipaddress
import os
import socket
import tempfile
import unicodedata

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.tickets.content import Ticket
from webapp.web import yuan

CHINESE_ON = b"\x1c\x26"  # FS &: Kanji (Chinese) character mode on
CHINESE_OFF = b"\x1c\x2e"  # FS .: off
COLUMNS = {58: 32, 80: 48}  # font A (12 × 24 dots) on 384 and 576 dots
WIDTHS = tuple(COLUMNS)
# Ports of services a deployment keeps for itself, never a printer's: a printer setting must not
# become a way to write into the platform's own database or cache.
SERVICE_PORTS = frozenset({1433, 2375, 2379, 3306, 5432, 5672, 6379, 9200, 11211, 27017})


class PrintFailed(Exception):
    """The printer could not be reached or did not take the ticket; `code` names why."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


def _escpos():
    """python-escpos' printers, imported when the first ticket is composed, not with the app:
    on import it reads its printer profiles, calls logging.basicConfig() (which would set up the
    root logger of every process) and keeps a pickle of the profiles in a new temporary folder
    per process unless told where (one folder for all)."""
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", tempfile.gettempdir())
    return importlib.import_module("escpos.printer")


def clean(text: str) -> str:
    """Printable text on one line: control and format characters (ESC, GS, bidi marks) out."""
    text = " ".join(str(text).split())
    return "".join(c for c in text if unicodedata.category(c)[0] != "C")


def width(text: str) -> int:
    """Columns `text` takes: a Chinese character two, ASCII one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, columns: int) -> list[str]:
    """`text` cut into lines of at most `columns` (never a character split in two)."""
    lines, line, used = [], "", 0
    for c in clean(text):
        w = width(c)
        if used + w > columns:
            lines.append(line)
            line, used = "", 0
        line += c
        used += w
    if line or not lines:
        lines.append(line)
    return lines


def spread(left: str, right: str, columns: int) -> list[str]:
    """`left` and `right` on one line, `right` against the edge (wrapped when they do not fit)."""
    left, right = clean(left), clean(right)
    gap = columns - width(left) - width(right)
    if gap >= 1:
        return [left + " " * gap + right]
    return [*wrap(left, columns), " " * max(0, columns - width(right)) + right]


def mask(mobile: str) -> str:
    """139****5678: the ticket travels on the bag."""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 8 else mobile


def when(ticket: Ticket) -> str:
    """How and when the buyer gets it: a delivery window, as soon as possible, or pickup."""
    start, end = ticket.window_start.strftime("%m-%d %H:%M"), ticket.window_end.strftime("%H:%M")
    if ticket.pickup:
        return _("到店自取，%(end)s 前备好", end=ticket.window_end.strftime("%m-%d %H:%M"))
    if ticket.fulfilment == "asap":
        return _("尽快送达，%(end)s 前", end=ticket.window_end.strftime("%m-%d %H:%M"))
    return _("送达时间：%(start)s–%(end)s", start=start, end=end)


class Writer:
    """Lines of Chinese text on python-escpos' Dummy printer, which composes the commands: the
    text goes raw, GB18030, after FS & (Chinese mode)."""

    def __init__(self, paper_mm: int):
        self.columns = COLUMNS[paper_mm]
        self.p = _escpos().Dummy()
        self.p.hw("INIT")
        self.p._raw(CHINESE_ON)

    def put(self, *lines: str) -> None:
        for line in lines:
            self.p._raw(line.encode("gb18030", errors="replace") + b"\n")

    def text(self, text: str, big: bool = False) -> None:
        """`text` wrapped to the paper; `big`: bold and double height (same columns)."""
        if big:
            self.p.set(bold=True, double_height=True)
        self.put(*wrap(text, self.columns))
        if big:
            self.p.set(bold=False, normal_textsize=True)

    def pair(self, left: str, right: str, big: bool = False) -> None:
        if big:
            self.p.set(bold=True, double_height=True)
        self.put(*spread(left, right, self.columns))
        if big:
            self.p.set(bold=False, normal_textsize=True)

    def rule(self) -> None:
        self.put("-" * self.columns)

    def done(self) -> bytes:
        self.p._raw(CHINESE_OFF)
        self.p.cut()
        return self.p.output


def compose(ticket: Ticket, paper_mm: int) -> bytes:
    """The ticket as ESC/POS bytes for a `paper_mm` roll, worded in Chinese."""
    with force_locale("zh_CN"):
        w = Writer(paper_mm)
        w.p.set(align="center", bold=True, double_width=True, double_height=True)
        w.put(*wrap(ticket.shop, w.columns // 2), ticket.short_code)
        w.p.set(align="center", bold=False, normal_textsize=True)
        w.put(_("订单 #%(id)s", id=ticket.order_id),
              _("下单时间 %(at)s", at=ticket.placed_at.strftime("%Y-%m-%d %H:%M")))
        w.p.set(align="left")
        w.rule()
        for line in ticket.lines:
            w.text(f"{line.title}（{line.variant}）" if line.variant else line.title)
            w.pair(f"  {yuan(line.unit_fen)} × {line.quantity}", yuan(line.subtotal_fen))
        w.rule()
        w.pair(_("商品合计"), yuan(ticket.items_fen))
        if ticket.delivery_fee_fen:
            w.pair(_("配送费"), yuan(ticket.delivery_fee_fen))
        w.pair(_("合计"), yuan(ticket.total_fen), big=True)
        w.text(_("付款：%(method)s · %(status)s", method=_(ticket.payment_method),
                 status=_(ticket.payment_status)))
        w.rule()
        w.text(when(ticket), big=True)
        w.text(_("收货人：%(name)s %(mobile)s", name=ticket.recipient, mobile=mask(ticket.mobile)))
        if not ticket.pickup:
            w.text(_("地址：%(address)s", address=ticket.address), big=True)
        if ticket.note:
            w.text(_("备注：%(note)s", note=ticket.note), big=True)
        return w.done()


def test_ticket(paper_mm: int) -> bytes:
    """A short ticket that says the printer works, with Chinese to show it prints."""
    with force_locale("zh_CN"):
        w = Writer(paper_mm)
        w.p.set(align="center")
        w.text(_("打印测试"), big=True)
        w.text(_("信集小票打印机已连接（%(mm)s 毫米纸）", mm=paper_mm))
        return w.done()


def allowed_address(ip: str) -> bool:
    """Whether a printer may be at `ip`: a LAN or public address, never this machine (unless
    PRINTER_ALLOW_LOOPBACK, for tests and `make run`), link-local, multicast or unspecified."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if address.is_loopback:
        return bool(current_app.config["PRINTER_ALLOW_LOOPBACK"])
    return not (address.is_link_local or address.is_multicast or address.is_unspecified
                or address.is_reserved or (address.version == 4 and ip == "255.255.255.255"))


def resolve(host: str, port: int) -> str:
    """The first address of `host` a printer may be at (checked again at every print, since a
    name may point elsewhere by then)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise PrintFailed("unresolved", str(error)) from None
    for _family, _type, _proto, _name, address in found:
        if allowed_address(address[0]):
            return address[0]
    raise PrintFailed("blocked", host)


def send(data: bytes, host: str, port: int) -> None:
    """Send `data` to the printer at host:port over raw TCP (python-escpos' Network printer)."""
    if port in SERVICE_PORTS:
        raise PrintFailed("blocked", str(port))
    ip = resolve(host, port)
    timeout = current_app.config["PRINTER_TIMEOUT_SECONDS"]
    printer = _escpos().Network(host=ip, port=port, timeout=timeout)
    try:
        # Connected here rather than by printer.open(), which leaves the socket of a refused
        # connection open (python-escpos 3.1); writing and closing stay the library's.
        printer.device = socket.create_connection((ip, port), timeout=timeout)
        printer._raw(data)
    except TimeoutError as error:
        raise PrintFailed("timeout", str(error)) from None
    except ConnectionRefusedError as error:
        raise PrintFailed("refused", str(error)) from None
    except OSError as error:
        raise PrintFailed("failed", str(error)) from None
    finally:
        printer.close()
