from flask import current_app, send_from_directory

from webapp.pwa import bp
from webapp.web import render


@bp.get("/sw.js")
def service_worker():
    """Serve the service worker from the root so its scope is the whole app."""
    response = send_from_directory(current_app.static_folder, "sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest."""
    return send_from_directory(current_app.static_folder, "manifest.webmanifest",
                               mimetype="application/manifest+json", max_age=3600)


@bp.get("/offline")
def offline():
    """The page the service worker shows when a page cannot be fetched."""
    return render("pwa/offline.html")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for this whatever the page says."""
    return send_from_directory(current_app.static_folder, "icons/icon-192.png",
                               mimetype="image/png", max_age=86400)
