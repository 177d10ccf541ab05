"""Live delivery at scale: one courier's position fanned out to 500 watching sockets against a
bare python-socketio server doing the same, and 2,000 open sockets on one process while a page
keeps answering. Real gunicorn+gevent processes; clients speak Socket.IO over websocket."""
from __future__ import annotations

import asyncio
import resource
import time

from bench import support
from bench.conftest import record

WATCHERS, ROUNDS = 500, 20
OPEN_SOCKETS = 2000


async def connect_many(base: str, cookie: str | None, n: int, on_event=None,
                       parallel: int = 50) -> list[support.SioClient]:
    gate = asyncio.Semaphore(parallel)

    async def one(i):
        async with gate:
            return await support.sio_connect(base, cookie, on_event(i) if on_event else None)

    return await asyncio.gather(*(one(i) for i in range(n)))


async def fan_out(base: str, watcher_cookie: str | None, courier_cookie: str | None,
                  watch: tuple[str, dict], send: str, payload) -> tuple[list[float], int, float]:
    """Latencies (s) from the courier's send to each watcher's receipt, messages delivered."""
    sent_at: dict[float, float] = {}
    latencies: list[float] = []
    arrived: dict[float, int] = {}
    everyone = asyncio.Event()

    def on_event(_):
        def handle(name, data, at):
            if name == "delivery:position" and data["lat"] in sent_at:
                latencies.append(at - sent_at[data["lat"]])
                arrived[data["lat"]] = arrived.get(data["lat"], 0) + 1
                if arrived[data["lat"]] == WATCHERS:
                    everyone.set()
        return handle

    began = time.perf_counter()
    watchers = await connect_many(base, watcher_cookie, WATCHERS, on_event)
    acks = await asyncio.gather(*(w.call(*watch) for w in watchers))
    assert all(a.get("ok", True) is not False for a in acks), acks[:3]
    joined = time.perf_counter() - began
    courier = await support.sio_connect(base, courier_cookie)
    try:
        for i in range(ROUNDS):
            lat = round(39.9 + (i + 1) / 10000, 4)
            everyone.clear()
            sent_at[lat] = time.perf_counter()
            ack = await courier.call(send, payload(lat))
            assert ack.get("ok") is True, ack
            try:
                await asyncio.wait_for(everyone.wait(), 5)
            except asyncio.TimeoutError:
                pass
            await asyncio.sleep(0.1)  # the app takes at most one position per 0.05 s here
        await asyncio.sleep(0.5)
    finally:
        await asyncio.gather(*(c.close() for c in [courier, *watchers]))
    return latencies, sum(arrived.values()), joined


def test_position_fan_out_to_500_watchers(sqlite_world, app_server, bare_server):
    env, facts = sqlite_world
    order_id = facts["order_id"]
    buyer = support.login_cookie(app_server.url, "buyer@example.com", "demo-buyer-2026")
    courier = support.login_cookie(app_server.url, "13800000001", "demo-courier-2026")

    bare, bare_delivered, _ = asyncio.run(fan_out(
        bare_server.url, None, None, ("watch", {}), "position",
        lambda lat: {"order_id": order_id, "lat": lat, "lng": 116.41}))
    app, delivered, joined = asyncio.run(fan_out(
        app_server.url, buyer, courier, ("order:watch", {"order_id": order_id}),
        "delivery:position", lambda lat: {"order_id": order_id, "lat": lat, "lng": 116.41,
                                          "accuracy": 10}))
    bare_p95, p95 = support.percentile(bare, 95) * 1000, support.percentile(app, 95) * 1000
    print(f"\n{WATCHERS} watchers connected and joined in {joined:.1f} s; "
          f"app p50 {support.percentile(app, 50) * 1000:.1f} ms, "
          f"bare p50 {support.percentile(bare, 50) * 1000:.1f} ms")
    assert bare_delivered == WATCHERS * ROUNDS
    assert delivered == WATCHERS * ROUNDS, f"{delivered} of {WATCHERS * ROUNDS} delivered"
    ratio = p95 / bare_p95
    record(f"position to {WATCHERS} sockets: p95", f"{p95:.1f} ms, {delivered}/{delivered} "
           f"delivered", f"bare python-socketio {bare_p95:.1f} ms", ratio,
           "<= 50 ms and <= 1.3x bare", p95 <= 50 and ratio <= 1.3)


def test_2000_open_sockets_on_one_process(sqlite_world):
    env, _ = sqlite_world
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < OPEN_SOCKETS * 2 + 200:  # our client ends and the server's (a child inherits it)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, OPEN_SOCKETS * 3), hard))
    server = support.start(env, "app-2000")
    try:
        cookie = support.login_cookie(server.url, "buyer@example.com", "demo-buyer-2026")
        page = server.url + "/s/fresh-fruit"
        # The signed-in buyer's page, rendered every time (an anonymous visitor's comes from
        # memory, webapp/shared_pages.py, and would say little about a busy event loop).
        signed_in = {"Cookie": cookie}
        idle = support.hammer(page, 2, 5, headers=signed_in)
        before = support.worker_rss_kb(server)

        async def hold():
            began = time.perf_counter()
            sockets = await connect_many(server.url, cookie, OPEN_SOCKETS, parallel=100)
            opened = time.perf_counter() - began
            await asyncio.sleep(1)
            after = support.worker_rss_kb(server)
            loaded = await support._hammer(page, 2, 5.0, signed_in)
            alive = sum(not s.closed for s in sockets)
            await asyncio.gather(*(s.close() for s in sockets))
            return opened, after, loaded, alive

        opened, after, loaded, alive = asyncio.run(hold())
    finally:
        server.stop()
    assert alive == OPEN_SOCKETS, f"{OPEN_SOCKETS - alive} sockets dropped"
    assert set(loaded.statuses) <= {200}
    per_socket = (after - before) / OPEN_SOCKETS
    if loaded.errors or not loaded.latencies:
        record(f"{OPEN_SOCKETS} open sockets: signed-in shop page p95 (2 conn)",
               f"page timed out ({loaded.errors} errors, {len(loaded.latencies)} answered), "
               f"{per_socket:.0f} KB RSS per socket", f"{idle.ms(95):.1f} ms with no sockets",
               None, "p95 <= 100 ms", False)
        return
    record(f"{OPEN_SOCKETS} open sockets: signed-in shop page p95 (2 conn)",
           f"{loaded.ms(95):.1f} ms, {per_socket:.0f} KB RSS per socket, opened in {opened:.1f} s",
           f"{idle.ms(95):.1f} ms with no sockets", loaded.ms(95) / idle.ms(95),
           "p95 <= 100 ms", loaded.ms(95) <= 100)
