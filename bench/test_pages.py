"""Catalog pages under load: the shop page with 50 products and a search, against a bare Flask
route served by the same gunicorn+gevent config in the same run, at 32 connections."""
from __future__ import annotations

from urllib.parse import quote

import requests

from bench import support
from bench.conftest import record
from webapp.shops.grid import PAGE_SIZE

CONNECTIONS, SECONDS, ROUNDS = 32, 5.0, 5


def test_shop_and_search_throughput_against_a_bare_route(app_server, bare_server):
    shop = requests.get(f"{app_server.url}/s/fresh-fruit", timeout=30).text
    assert shop.count('class="card product"') == PAGE_SIZE  # the first page of the 50
    search_path = "/search/?q=" + quote("橙")
    assert "脐橙" in requests.get(app_server.url + search_path, timeout=30).text

    # Taking turns (ROUNDS slices of a second each), so the machine's other work weighs on the
    # baseline as on the pages.
    # The goal's pages are what a visitor who is not signed in gets (a shop's QR code on a
    # poster); they come from each process's memory for SHARED_PAGE_SECONDS
    # (webapp/shared_pages.py). A signed-in buyer's shop page is kept the same way with the
    # buyer's own parts filled in per request (webapp/signed_in_pages.py): measured too.
    cookie = support.login_cookie(app_server.url, "buyer@example.com", "demo-buyer-2026")
    signed_in = requests.get(f"{app_server.url}/s/fresh-fruit", headers={"Cookie": cookie},
                             timeout=30).text
    assert signed_in.count('class="card product"') == PAGE_SIZE and "data-user=" in signed_in
    loads = support.hammer_interleaved({
        "bare": bare_server.url + "/", "floor": app_server.url + "/sw.js",
        "shop": app_server.url + "/s/fresh-fruit", "search": app_server.url + search_path,
        "buyer": app_server.url + "/s/fresh-fruit",
    }, CONNECTIONS, rounds=ROUNDS, seconds=SECONDS / ROUNDS, pids={
        "bare": support.worker_pid(bare_server), **{name: support.worker_pid(app_server)
                                                    for name in ("floor", "shop", "search",
                                                                 "buyer")}},
        # The browser that logged in: Flask-Login's session protection marks a session whose
        # client (address and User-Agent) changed as not fresh, and without the login's
        # User-Agent every request would write and sign a new session cookie again.
        target_headers={"buyer": {"Cookie": cookie,
                                  "User-Agent": requests.utils.default_user_agent()}})
    bare, floor = loads["bare"], loads["floor"]
    assert set(bare.statuses) == {200}
    record("bare Flask route (baseline)", f"{bare.rps:.0f} req/s, median {bare.median_ms:.1f} ms,"
           f" p99 {bare.ms(99):.1f} ms, server CPU {bare.cpu_ms:.2f} ms/req")
    # The app's own cheapest response: what the middleware (session, login, CSP, limiter) costs.
    record("app floor: /sw.js (info)", f"{floor.rps:.0f} req/s, p99/median "
           f"{floor.ms(99) / floor.median_ms:.1f}, server CPU {floor.cpu_ms:.2f} ms/req",
           f"{bare.rps:.0f} req/s", floor.rps / bare.rps)
    for name, key in (("shop page, 50 products", "shop"), ("search", "search")):
        load = loads[key]
        assert set(load.statuses) == {200} and not load.errors, (load.statuses, load.errors)
        ratio = load.rps / bare.rps
        record(f"{name}: req/s at {CONNECTIONS} conn", f"{load.rps:.0f} req/s",
               f"{bare.rps:.0f} req/s", ratio, ">= 0.5x bare", ratio >= 0.5)
        # The same ratio from server CPU per request: what it would be on an idle machine with
        # the server, not the load generator, as the limit (info: the goal is on req/s).
        record(f"{name}: server CPU per request (info)", f"{load.cpu_ms:.2f} ms",
               f"bare {bare.cpu_ms:.2f} ms", bare.cpu_ms / load.cpu_ms)
        spread = load.ms(99) / load.median_ms
        record(f"{name}: p99/median", f"median {load.median_ms:.0f} ms, p99 {load.ms(99):.0f} ms",
               "", spread, "p99 <= 3x median", spread <= 3)
    buyer = loads["buyer"]
    assert set(buyer.statuses) == {200} and not buyer.errors, (buyer.statuses, buyer.errors)
    ratio = buyer.rps / bare.rps
    record("shop page, signed-in buyer", f"{buyer.rps:.0f} req/s, p99/median "
           f"{buyer.ms(99) / buyer.median_ms:.1f}, server CPU {buyer.cpu_ms:.2f} ms/req",
           f"{bare.rps:.0f} req/s", ratio, ">= 0.25x bare", ratio >= 0.25)
    ratio = floor.rps / bare.rps
    record("app floor /sw.js against the goal", f"{floor.rps:.0f} req/s", f"{bare.rps:.0f} req/s",
           ratio, ">= 0.6x bare", ratio >= 0.6)
