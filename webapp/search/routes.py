from flask import render_template, request

from webapp.search import bp, services
from webapp.shared_pages import shared
from webapp.shops import grid
from webapp.web import render


@bp.get("/")
@shared
def index():
    """Search published products and active shops; htmx swaps in the results as the buyer types."""
    q = request.args.get("q", "")
    results = services.search(q)
    # The same search over an unchanged catalog reuses the results' HTML (webapp/shops/grid.py).
    html = grid.cached(("search", *grid.visitor(), services.shown(results)),
                       lambda: render_template("search/_results.html", results=results))
    return render("search/index.html", "search/_results_cached.html", q=q, results=results,
                  results_html=html)
