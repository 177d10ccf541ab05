"""Bytes a phone downloads on a first visit, gzip-compressed as deploy/nginx.conf serves them:
the HTML plus the CSS, JS and fonts it references (images are not counted)."""
from __future__ import annotations

import gzip
import re
from urllib.parse import urljoin

import requests

from bench import support
from bench.conftest import record

FONT = re.compile(r"\.(woff2?|ttf|otf)(\?|$)")
LEVEL = 6  # gzip_comp_level in deploy/nginx.conf


def assets(html: str) -> list[str]:
    found = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    found += [href for tag in re.findall(r"<link\b[^>]*>", html)
              if re.search(r'rel="(stylesheet|preload|modulepreload)"', tag)
              for href in re.findall(r'href="([^"]+)"', tag)]
    return list(dict.fromkeys(found))


def first_load(session: requests.Session, url: str) -> tuple[int, dict]:
    """Compressed bytes of a page and everything textual it pulls in, by kind."""
    seen, kinds = set(), {"html": 0, "css": 0, "js": 0, "font": 0}
    page = session.get(url, timeout=30)
    assert page.status_code == 200, url
    kinds["html"] += len(gzip.compress(page.content, LEVEL))
    queue = [urljoin(url, a.replace("&amp;", "&")) for a in assets(page.text)]
    while queue:
        asset = queue.pop()
        if asset in seen or not asset.startswith(url.split("/", 3)[0] + "//"):
            continue
        seen.add(asset)
        body = session.get(asset, timeout=30)
        assert body.status_code == 200, asset
        path = asset.split("?")[0]
        if FONT.search(path):
            kinds["font"] += len(body.content)  # already compressed; nginx sends it as is
            continue
        kind = "css" if path.endswith(".css") else "js"
        kinds[kind] += len(gzip.compress(body.content, LEVEL))
        if kind == "css":
            queue += [urljoin(asset, u.strip("'\"")) for u in
                      re.findall(r"url\(([^)]+)\)", body.text) if FONT.search(u.strip("'\""))]
            queue += [urljoin(asset, u) for u in re.findall(r'@import\s+"([^"]+)"', body.text)]
    return sum(kinds.values()), {**kinds, "files": len(seen) + 1}


def test_first_load_weight(sqlite_world, app_server):
    _, facts = sqlite_world
    anonymous = requests.Session()
    buyer = requests.Session()
    buyer.headers["Cookie"] = support.login_cookie(app_server.url, "buyer@example.com",
                                                   "demo-buyer-2026")
    pages = (("home page", anonymous, "/", 40), ("shop page (50 products)", anonymous,
             "/s/fresh-fruit", 40), ("tracking page", buyer, f"/orders/{facts['order_id']}", 100))
    for name, session, path, goal in pages:
        total, kinds = first_load(session, app_server.url + path)
        detail = ", ".join(f"{k} {v / 1024:.1f}" for k, v in kinds.items() if k != "files")
        record(f"first load, {name}", f"{total / 1024:.1f} KB gzip ({detail}; "
               f"{kinds['files']} files)", "", None, f"<= {goal} KB", total <= goal * 1024)
    anonymous.close()
    buyer.close()
