from flask import make_response, render_template, request

from webapp.search import bp, services
from webapp.shared_pages import shared
from webapp.shops import grid
from webapp.web import render, wants_fragment


@bp.get("/")
@shared
def index():
    """Search published products and active shops; htmx swaps in the results as the buyer types,
    and the "more" row swaps in the next page (`?after=`) in its own place."""
    q = request.args.get("q", "")
    results = services.search(q, services.cursor())
    status = 400 if results.problem else 200
    # The same search over an unchanged catalog reuses the results' HTML (webapp/shops/grid.py).
    key = (*grid.visitor(), services.shown(results))
    if results.continued and wants_fragment():
        response = make_response(grid.cached(
            ("search-page", *key), lambda: render_template("search/_page.html", results=results)),
            status)
        response.vary.add("HX-Request")
        return response
    html = grid.cached(("search", *key),
                       lambda: render_template("search/_results.html", results=results))
    return render("search/index.html", "search/_results_cached.html", status=status, q=q,
                  results=results, results_html=html)
