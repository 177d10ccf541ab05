from flask import request

from webapp.search import bp, services
from webapp.web import render


@bp.get("/")
def index():
    """Search published products and active shops; htmx swaps in the results as the buyer types."""
    q = request.args.get("q", "")
    return render("search/index.html", "search/_results.html", q=q, results=services.search(q))
