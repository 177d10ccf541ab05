from webapp.shops import bp, services
from webapp.web import render


@bp.get("/")
def index():
    """List the verified shops."""
    return render("shops/index.html", shops=services.active_shops())


@bp.get("/s/<handle>")
def detail(handle: str):
    """Show one verified shop and its published products."""
    shop = services.by_handle(handle)
    return render("shops/detail.html", "shops/_products.html", shop=shop,
                  products=services.published_products(shop))
