from flask import Response, request
from flask_login import current_user

from webapp.models import Role
from webapp.shops.services import own_shop_or_403
from webapp.stats import bp, charts, export, labels, period
from webapp.stats.cash import cash_by_courier
from webapp.stats.cash import totals as cash_totals
from webapp.stats.figures import figures_for, rate
from webapp.web import render, role_required


def _figures(shop, chosen):
    return figures_for(shop.id, chosen), cash_by_courier(shop.id, chosen)


@bp.get("/")
@role_required(Role.MERCHANT)
def index():
    """Show the shop's sales figures for the period asked (the last 7 days by default)."""
    shop = own_shop_or_403(current_user)
    asked = {name: (request.args.get(name) or "")[:40] for name in ("period", "from", "to")}
    try:
        chosen = period.parse(request.args)
    except period.BadPeriod as problem:
        return render("stats/index.html", status=problem.status, shop=shop, asked=asked,
                      problem=problem.message, figures=None)
    figures, cash = _figures(shop, chosen)
    query = ({"period": chosen.preset} if chosen.preset != "custom" else
             {"period": "custom", "from": chosen.first.isoformat(), "to": chosen.last.isoformat()})
    return render("stats/index.html", shop=shop, asked=asked, problem=None, figures=figures,
                  cash=cash, cash_total=cash_totals(cash), query=query, charts=charts,
                  labels=labels, rate=rate,
                  revenue_chart=charts.bar_chart([d.day for d in figures.days],
                                                 [d.revenue_fen for d in figures.days], 100),
                  orders_chart=charts.bar_chart([d.day for d in figures.days],
                                                [d.orders for d in figures.days]))


def _download(kind: str) -> Response:
    shop = own_shop_or_403(current_user)
    chosen = period.parse(request.args)  # a BadPeriod is a 400 with its message
    parts = export.sections(*_figures(shop, chosen))
    name = f"sales-{shop.handle}-{chosen.first.isoformat()}-{chosen.last.isoformat()}.{kind}"
    body, mimetype = ((export.to_csv(parts), "text/csv; charset=utf-8") if kind == "csv" else
                      (export.to_xlsx(parts), "application/vnd.openxmlformats-officedocument."
                                              "spreadsheetml.sheet"))
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/export.csv")
@role_required(Role.MERCHANT)
def export_csv():
    """Download the period's figures as CSV."""
    return _download("csv")


@bp.get("/export.xlsx")
@role_required(Role.MERCHANT)
def export_xlsx():
    """Download the period's figures as XLSX."""
    return _download("xlsx")
