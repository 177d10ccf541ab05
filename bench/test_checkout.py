"""200 buyers check out the last 20 units at once through the real server: exactly 20 orders,
no lock error shown to anyone, and checkouts per second against a bare conditional stock
decrement on the same database (SQLite file; PostgreSQL too when TEST_DATABASE_URL is set).

The same storm also goes to a bare route doing only that decrement (bench/bare.py, same
gunicorn config and database): what HTTP, gunicorn and one short transaction per request cost
before the app adds its session, ORM, form and page. The goal is the server CPU per checkout
(the worker's utime + stime over the storm, refusals included: 180 of the 200) at most 3x the
bare route's per request, which, unlike the rates, does not depend on what else the machine runs.

Each buyer posts as the checkout page does on a phone: the form has `hx-post` (htmx), so the
request carries htmx's headers (HX-Request, HX-Current-URL, HX-Target and HX-Trigger naming the
form, the page's X-CSRFToken from base.html's hx-headers) and the page's fields; an order
placed answers 204 with HX-Redirect, a refusal for stock the message and the cart's lines,
which htmx swaps out of band into the form on the page (HX-Reswap: none)."""
from __future__ import annotations

import asyncio
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest
import requests
import sqlalchemy as sa

from bench import support
from bench.conftest import postgres_url, record
from bench.seed import CONTEST_TITLE

BUYERS, STOCK = 200, 20


def checkout_form(base: str, email: str, password: str, shop_id: int) -> tuple[dict, bytes]:
    """Log a buyer in and open their checkout page; return the headers htmx sends with the
    page's form (the buyer's cookie among them) and the filled form."""
    with requests.Session() as session:
        return _checkout_form(session, base, email, password, shop_id)


def _checkout_form(session, base, email, password, shop_id):
    page = session.get(f"{base}/auth/login", timeout=60).text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page)[1]
    answer = session.post(f"{base}/auth/login", allow_redirects=False, timeout=60, data={
        "csrf_token": token, "login": email, "password": password})
    assert answer.status_code == 303, answer.text[:300]
    page_url = f"{base}/orders/checkout/{shop_id}"
    page = session.get(page_url, timeout=60).text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page)[1]
    form_id = re.search(r'<form id="([\w-]+)" method="post"[^>]* hx-post=', page)[1]
    form = {
        "csrf_token": token,
        "address_id": re.search(r'<input checked id="address_id-\d+" name="address_id"[^>]*'
                                r'value="(\d+)"', page)[1],
        "window": re.search(r'<option[^>]*value="([0-9T:/-]+)"', page)[1],
        "payment_method": "cod", "note": "",
        "idempotency_key": re.search(r'name="idempotency_key" type="hidden" '
                                     r'value="([0-9a-f]{32})"', page)[1],
        # What the page showed: the checkout is refused (409) without it.
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page)[1]}
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
               "HX-Request": "true", "HX-Current-URL": page_url, "HX-Target": form_id,
               "HX-Trigger": form_id, "X-CSRFToken": token}
    return headers, urlencode(form).encode()


async def storm(base: str, path: str, forms: list[tuple[dict, bytes]]) -> tuple[list, float]:
    """POST every checkout at once, each on its own connection; (status, headers, body) of
    each answer, and the wall time."""
    parts = urlsplit(base)
    connections = [await asyncio.open_connection(parts.hostname, parts.port) for _ in forms]
    requests_ = [support.http_request("POST", base + path, headers, body)
                 for headers, body in forms]

    async def one(connection, raw):
        reader, writer = connection
        writer.write(raw)
        status, head, body = await support.read_response(reader)
        writer.close()
        return status, head.decode("latin-1"), body.decode("utf-8", "replace")

    began = time.perf_counter()
    answers = await asyncio.gather(*(one(c, r) for c, r in zip(connections, requests_)))
    return answers, time.perf_counter() - began


def bare_decrements(url: str, attempts: int = BUYERS, threads: int = 16) -> float:
    """Conditional decrements per second straight on the database (autocommit per attempt)."""
    engine = sa.create_engine(url, pool_size=threads, max_overflow=0)
    with engine.begin() as c:
        c.execute(sa.text("CREATE TABLE bench_stock (id INTEGER PRIMARY KEY, stock INTEGER)"))
        c.execute(sa.text("INSERT INTO bench_stock VALUES (1, :n)"), {"n": STOCK})
    sold, lock = [0], threading.Lock()

    def attempt(_):
        with engine.begin() as c:
            taken = c.execute(sa.text("UPDATE bench_stock SET stock = stock - 1 "
                                      "WHERE id = 1 AND stock >= 1")).rowcount
        with lock:
            sold[0] += taken

    began = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(attempt, range(attempts)))
    elapsed = time.perf_counter() - began
    engine.dispose()
    assert sold[0] == STOCK
    return attempts / elapsed


def timed_storm(server, path: str, forms: list[tuple[dict, bytes]]) -> tuple[list, float, float]:
    """storm() plus the server worker's CPU per request (ms), which, unlike the rate, does not
    depend on what else the machine is running."""
    pid = support.worker_pid(server)
    cpu = support.cpu_seconds(pid)
    answers, elapsed = asyncio.run(storm(server.url, path, forms))
    return answers, elapsed, (support.cpu_seconds(pid) - cpu) * 1000 / len(forms)


def bare_route_storm(server, database_url: str,
                     forms: list[tuple[dict, bytes]]) -> tuple[float, float, float]:
    """The checkout storm (same requests, one connection each) against bench/bare.py's decrement
    route; (decrements per second, seconds, server CPU ms per request). The route sells from its
    own table of STOCK units."""
    from bench.bare import route_stock

    engine = sa.create_engine(database_url)
    with engine.begin() as c:
        route_stock.drop(c, checkfirst=True)
        route_stock.create(c)
        c.execute(route_stock.insert().values(id=1, stock=STOCK))
    answers, elapsed, cpu_ms = timed_storm(server, "/decrement", forms)
    with engine.connect() as c:
        left = c.execute(sa.select(route_stock.c.stock)).scalar()
    engine.dispose()
    sold = sum(status == 303 for status, _, _ in answers)
    assert (sold, left) == (STOCK, 0), (sold, left)
    assert all(status in (303, 409) for status, _, _ in answers)
    return BUYERS / elapsed, elapsed, cpu_ms


def run_contest(label: str, env: dict, facts: dict, database_url: str, server,
                bare_server=None) -> None:
    shop_id, product = facts["shop_id"], facts["contest_product"]
    with ThreadPoolExecutor(16) as pool:
        forms = list(pool.map(lambda email: checkout_form(server.url, email, facts["password"],
                                                          shop_id), facts["buyers"]))
    answers, elapsed, cpu_ms = timed_storm(server, f"/orders/checkout/{shop_id}", forms)
    statuses = {}
    for status, _, _ in answers:
        statuses[status] = statuses.get(status, 0) + 1
    engine = sa.create_engine(database_url)
    with engine.connect() as c:
        orders = c.execute(sa.text("SELECT count(*) FROM order_line WHERE product_id = :p"),
                           {"p": product}).scalar()
        stock = c.execute(sa.text("SELECT stock FROM product WHERE id = :p"),
                          {"p": product}).scalar()
    engine.dispose()
    locked = [body for _, _, body in answers
              if "locked" in body.lower() or "deadlock" in body.lower()]
    print(f"\n[{label}] statuses {statuses}; orders {orders}; stock left {stock}")
    assert orders == STOCK and stock == 0
    # htmx's answers: an order placed is a 204 whose HX-Redirect leads to it; a refusal is the
    # message naming the product and the cart's lines, swapped out of band into the form the
    # buyer is on (HX-Reswap: none), not the form drawn again, let alone the page.
    placed = [head for status, head, _ in answers if status == 204]
    assert statuses.get(204) == STOCK, statuses
    assert all(re.search(r"(?i)\r\nHX-Redirect: /orders/\d+\r\n", head) for head in placed)
    assert not locked and all(status < 500 for status, _, _ in answers), statuses
    refused = [(head, body) for status, head, body in answers if status != 204]
    assert all(f"「{CONTEST_TITLE}」已售罄" in body or f"「{CONTEST_TITLE}」库存不足" in body
               for _, body in refused)
    assert all(body.lstrip().startswith('<div id="checkout-alerts" hx-swap-oob="true">')
               and re.search(r"(?i)\r\nHX-Reswap: none\r\n", head) for head, body in refused)

    per_second = BUYERS / elapsed
    baseline = bare_decrements(database_url)
    ratio = per_second / baseline
    record(f"{BUYERS} checkouts for {STOCK} units, {label}",
           f"{per_second:.0f} checkouts/s ({elapsed:.2f} s), {orders} orders, 0 lock errors",
           f"{baseline:.0f} bare decrements/s", ratio, ">= 0.25x bare", ratio >= 0.25)
    if bare_server is not None:
        route, route_elapsed, route_cpu_ms = bare_route_storm(bare_server, database_url, forms)
        cpu_ratio = cpu_ms / route_cpu_ms
        record(f"{BUYERS} checkouts for {STOCK} units, {label}, server CPU against a bare route",
               f"server CPU {cpu_ms:.1f} ms/checkout ({per_second:.0f} checkouts/s)",
               f"server CPU {route_cpu_ms:.1f} ms/request ({route:.0f} bare-route decrements/s, "
               f"{route_elapsed:.2f} s)", cpu_ratio, "CPU <= 3x bare route", cpu_ratio <= 3)


def test_checkout_storm_sqlite(sqlite_world, app_server, bare_server):
    env, facts = sqlite_world
    url = env["DATABASE_URL"]
    run_contest("SQLite", env, facts, url, app_server, bare_server)


def test_checkout_storm_postgres(bench_tmp):
    base = postgres_url()
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set (.ci/run sets it)")
    name = f"bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    server = bare = None
    try:
        env, facts = support.prepare(url, buyers=BUYERS, stock=STOCK)
        server = support.start(env, "app-postgres")
        bare = support.start(env, "bare-postgres", "bench.bare:app")
        run_contest("PostgreSQL", env, facts, url, server, bare)
    finally:
        for running in (server, bare):
            if running is not None:
                running.stop()
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
