"""The installable shell over HTTP: the service worker's stamped version and precache list, the
manifest (icons, screenshots, language), the offline page and the logout signal."""
from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from flask import session
from PIL import Image

from webapp.models import Role
from webapp.pwa import routes as pwa_routes

STATIC = Path(__file__).resolve().parents[2] / "static"
VERSION = re.compile(r'^const VERSION = "(v\d+)-([0-9a-f]{12})";$', re.M)


def get(client, url, **kwargs):
    """GET and close (static files are streamed from an open file)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
        return response


def served_version(client) -> tuple[str, str]:
    response = client.get("/sw.js")
    assert response.status_code == 200
    match = VERSION.search(response.get_data(as_text=True))
    assert match, "the served worker carries VERSION-<digest>"
    return match.groups()


def test_worker_is_served_from_the_root_uncached_with_a_stamped_version(client):
    response = client.get("/sw.js")
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    source = (STATIC / "sw.js").read_text()
    number, digest = served_version(client)
    assert f'const VERSION = "{number}";' in source
    # Only the VERSION line differs from the file.
    assert response.get_data(as_text=True).replace(f"{number}-{digest}", number) == source


def test_every_precached_url_is_served(client):
    source = (STATIC / "sw.js").read_text()
    listed = re.search(r"const PRECACHE = \[(.*?)\];", source, re.S).group(1)
    urls = re.findall(r'"(/[^"]+)"', listed) + ["/offline"]
    assert {"/static/css/app.css", "/static/js/app.js", "/static/icons/icon-192.png",
            "/static/icons/icon-512.png", "/static/icons/icon-maskable-512.png"} <= set(urls)
    for url in urls:
        assert get(client, url).status_code == 200, url


def test_a_release_or_a_changed_shell_file_gives_a_new_worker(app, client, monkeypatch, tmp_path):
    first = served_version(client)
    assert served_version(client) == first  # stable while nothing changes
    monkeypatch.setenv("APP_RELEASE", "2026-11-25.1")
    released = served_version(client)
    assert released[0] == first[0] and released[1] != first[1]
    monkeypatch.delenv("APP_RELEASE")
    # A copy of static/ with one byte more in app.css.
    copy = tmp_path / "static"
    shutil.copytree(STATIC, copy, ignore=shutil.ignore_patterns("screenshots", "vendor"))
    shutil.copytree(STATIC / "vendor", copy / "vendor")
    monkeypatch.setattr(app, "static_folder", str(copy))
    assert served_version(client) == first
    with open(copy / "css" / "app.css", "a") as css:
        css.write("\n")
    # The files are looked at again once STAMP_SECONDS have passed since the last look.
    monkeypatch.setattr(pwa_routes, "STAMP_SECONDS", 0.0)
    assert served_version(client)[1] != first[1]


def test_logout_sends_the_next_page_the_signal_to_clear_caches(client, make_user, login_as):
    login_as(make_user(Role.BUYER))
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code in (302, 303)
    landing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-logged-out="1"' in landing
    assert 'data-logged-out' not in client.get("/").get_data(as_text=True)


def test_pages_carry_the_update_banner_and_a_hidden_install_button(client):
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert re.search(r'<div id="sw-update"[^>]*\bhidden\b', page)
    assert re.search(r'<button type="button" id="install-app"[^>]*\bhidden\b', page)
    assert "有新版本可用" in page and "安装应用" in page


def test_manifest_has_what_an_install_sheet_needs(client):
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": "zh-CN"})
    assert response.mimetype == "application/manifest+json"
    data = response.get_json()
    assert data["name"] == "信集 · 实名商家集市" and data["short_name"] == "信集"
    assert data["description"] and data["lang"] == "zh-CN"
    assert (data["start_url"], data["scope"], data["id"], data["display"]) == ("/", "/", "/",
                                                                                "standalone")
    assert re.fullmatch(r"#[0-9a-f]{6}", data["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", data["background_color"])
    purposes = {}
    for icon in data["icons"]:
        image = Image.open(io.BytesIO(get(client, icon["src"]).data))
        assert image.format == "PNG" and f"{image.width}x{image.height}" == icon["sizes"]
        purposes.setdefault(icon["sizes"], set()).add(icon["purpose"])
    assert "any" in purposes["192x192"] and {"any", "maskable"} <= purposes["512x512"]


def test_manifest_screenshots_are_real_pngs_of_the_declared_size(client):
    shots = client.get("/manifest.webmanifest").get_json()["screenshots"]
    assert {s["form_factor"] for s in shots} == {"narrow", "wide"}
    ratios = {}
    for shot in shots:
        response = get(client, shot["src"])
        assert response.status_code == 200 and response.mimetype == "image/png"
        image = Image.open(io.BytesIO(response.data))
        assert f"{image.width}x{image.height}" == shot["sizes"] and shot["label"]
        # Chromium's rules for the richer install sheet.
        assert 320 <= min(image.size) and max(image.size) <= 3840
        assert max(image.size) / min(image.size) <= 2.3
        assert (image.width < image.height) == (shot["form_factor"] == "narrow")
        ratios.setdefault(shot["form_factor"], set()).add(round(image.width / image.height, 3))
    assert all(len(r) == 1 for r in ratios.values()), ratios


@pytest.mark.parametrize("accept, lang", [("en-US,en;q=0.9", "en"), ("zh-CN,zh;q=0.9", "zh-CN")])
def test_manifest_follows_the_browser_language(client, accept, lang):
    response = client.get("/manifest.webmanifest", headers={"Accept-Language": accept})
    assert response.get_json()["lang"] == lang
    assert "Accept-Language" in response.headers["Vary"]


def test_offline_page_is_served_and_links_home(client):
    response = client.get("/offline", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "网络已断开" in page and 'href="/"' in page
    assert "<script" not in page  # it must work with nothing else reachable


def test_an_unchanged_worker_is_not_sent_again(client):
    first = client.get("/sw.js")
    again = client.get("/sw.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_worker_reads_and_writes_no_session(app, client, make_user, login_as):
    """Asked on every navigation and the same for everyone: no session is opened for it (a
    signed-in visitor's cookie is neither read nor written back)."""
    login_as(make_user(Role.BUYER))
    with client.session_transaction() as before:
        kept = dict(before)
    response = client.get("/sw.js")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    with app.test_request_context("/sw.js"):
        app.preprocess_request()
        assert session.__class__.__name__ == "NullSession"
    with client.session_transaction() as after:
        assert dict(after) == kept
