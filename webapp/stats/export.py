"""The figures as a spreadsheet: one list of sections (a title, headers, rows) drawn twice, as
CSV (UTF-8 with a BOM so spreadsheet programs read the Chinese, sections one after the other)
and as XLSX (`xlsxwriter`, a sheet per section). Headers in the reader's language; amounts in
yuan with two decimals (numbers formatted 0.00 in XLSX, exact text in CSV)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import xlsxwriter
from flask_babel import gettext as _

from webapp.stats import labels
from webapp.stats.cash import CashRow, totals
from webapp.stats.figures import Figures, rate


@dataclass(frozen=True)
class Money:
    fen: int

    def text(self) -> str:
        sign = "-" if self.fen < 0 else ""
        yuan, cents = divmod(abs(self.fen), 100)
        return f"{sign}{yuan}.{cents:02d}"


@dataclass(frozen=True)
class Percent:
    value: float | None  # percent, one decimal; None: nothing to divide

    def text(self) -> str:
        return "—" if self.value is None else f"{self.value:.1f}%"


@dataclass(frozen=True)
class Section:
    name: str        # the sheet's name (at most 31 characters)
    headers: list[str]
    rows: list[list]


def sections(figures: Figures, cash: list[CashRow]) -> list[Section]:
    f = figures
    online_orders, online_fen = f.payment_share(online=True)
    door_orders, door_fen = f.payment_share(online=False)
    summary = [
        [_("时间范围"), f"{f.period.first.isoformat()} – {f.period.last.isoformat()}"],
        [_("下单数（到达店铺）"), f.placed],
        [_("有效订单"), f.sold],
        [_("营业额（元）"), Money(f.revenue_fen)],
        [_("客单价（元）"), Money(f.average_fen)],
        [_("取消或退回的订单"), f.cancelled],
        [_("已签收订单"), f.signed],
        [_("拒收率"), Percent(rate(f.refused_at_door, f.signed))],
        [_("售后率"), Percent(rate(f.after_sales, f.signed))],
        [_("准时率"), Percent(rate(f.on_time, f.signed))],
        [_("货到付款订单"), door_orders], [_("货到付款金额（元）"), Money(door_fen)],
        [_("在线支付订单"), online_orders], [_("在线支付金额（元）"), Money(online_fen)],
        [_("发出报价"), f.quotes_sent], [_("报价成交"), f.quotes_won],
        [_("报价成交率"), Percent(rate(f.quotes_won, f.quotes_sent))],
    ]
    product_headers = [_("排名"), _("商品")] + ([_("规格")] if f.has_variants else []) + [
        _("数量"), _("销售额（元）")]
    products = [[i, p.title] + ([p.variant] if f.has_variants else []) +
                [p.quantity, Money(p.revenue_fen)] for i, p in enumerate(f.products, 1)]
    reasons = ([[_("取消或退回"), labels.called_off(k), n] for k, n in f.called_off.items()]
               + [[_("上门拒收（件）"), labels.door_reason(r), n] for r, n in f.door_reasons]
               + [[_("售后"), labels.after_sale_reason(r), n] for r, n in f.after_sale_reasons])
    cash_rows = [[r.day.isoformat(), r.courier, r.orders, Money(r.due_fen), Money(r.courier_fen),
                  Money(r.shop_fen), r.unconfirmed, Money(r.difference_fen)] for r in cash]
    if (total := totals(cash)) is not None:
        cash_rows.append([_("合计"), "", total.orders, Money(total.due_fen),
                          Money(total.courier_fen), Money(total.shop_fen), total.unconfirmed,
                          Money(total.difference_fen)])
    return [
        Section(_("汇总"), [_("指标"), _("数值")], summary),
        Section(_("每日"), [_("日期"), _("有效订单"), _("营业额（元）")],
                [[d.day.isoformat(), d.orders, Money(d.revenue_fen)] for d in f.days]),
        Section(_("热销商品"), product_headers, products),
        Section(_("支付方式"), [_("支付方式"), _("订单数"), _("金额（元）")],
                [[labels.payment(m), n, Money(fen)] for m, n, fen in f.payments]),
        Section(_("原因"), [_("类别"), _("原因"), _("次数")], reasons),
        Section(_("骑手收款"), [_("日期"), _("骑手"), _("单数"), _("应收（元）"),
                                _("骑手确认收款（元）"), _("商家确认收款（元）"), _("未确认单数"),
                                _("差额（元）")], cash_rows),
    ]


def _text(value) -> str | int:
    return value.text() if isinstance(value, Money | Percent) else value


def to_csv(parts: list[Section]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for n, part in enumerate(parts):
        if n:
            writer.writerow([])
        writer.writerow([part.name])
        writer.writerow(part.headers)
        writer.writerows([_text(v) for v in row] for row in part.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(parts: list[Section]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#ccfbf1", "border": 1})
    money = book.add_format({"num_format": "0.00"})
    percent = book.add_format({"num_format": "0.0%"})
    for part in parts:
        sheet = book.add_worksheet(part.name[:31])
        sheet.write_row(0, 0, part.headers, bold)
        sheet.freeze_panes(1, 0)
        widths = [max(8, len(h) * 2 + 2) for h in part.headers]
        for r, row in enumerate(part.rows, 1):
            for c, value in enumerate(row):
                if isinstance(value, Money):
                    sheet.write_number(r, c, value.fen / 100, money)
                elif isinstance(value, Percent):
                    if value.value is None:
                        sheet.write_string(r, c, value.text())
                    else:
                        sheet.write_number(r, c, value.value / 100, percent)
                elif isinstance(value, int):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, str(value))
                    widths[c] = max(widths[c], min(40, len(str(value)) * 2))
        for c, width in enumerate(widths):
            sheet.set_column(c, c, width)
    book.close()
    return out.getvalue()
