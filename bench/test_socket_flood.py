"""One signed-in client floods Socket.IO events as fast as it can (order:watch and
delivery:position, each asking for an ack, reconnecting whenever it is cut off) while two other
connections load the signed-in shop page: the page's p95 against the same page with no abuser,
in the same run on the same server, taking turns a second at a time (webapp/socket_guard.py,
webapp/socket_handshakes.py). For information, the same on a server with the limits off
(RATELIMIT_ENABLED=0)."""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import time

from bench import support
from bench.conftest import record

CONNECTIONS, SECONDS, ROUNDS = 2, 5.0, 5
BUYER = ("buyer@example.com", "demo-buyer-2026")
COURIER = ("13800000001", "demo-courier-2026")


async def _flood(base: str, cookie: str, order_id: int, go, stop) -> dict:
    """Flood while `go` is set, until `stop` is; what was sent, connections, 429s, acks."""
    counts = {"sent": 0, "connections": 0, "refused": 0, "acks": 0}
    events = [json.dumps(["order:watch", {"order_id": order_id}]),
              json.dumps(["delivery:position", {"order_id": order_id, "lat": 39.9, "lng": 116.4,
                                                "accuracy": 10}])]

    while not stop.is_set():
        if not go.is_set():
            await asyncio.sleep(0.01)
            continue
        try:
            client = await support.sio_connect(base, cookie, timeout=5)
        except (ConnectionError, OSError, asyncio.TimeoutError):
            counts["refused"] += 1  # 429: the handshake limit
            await asyncio.sleep(0.05)
            continue
        counts["connections"] += 1
        read = client._packet

        def heard(text: str, read=read) -> None:
            counts["acks"] += text.startswith("43")
            read(text)

        client._packet = heard
        while not client.closed and not stop.is_set():
            if not go.is_set():
                await asyncio.sleep(0.01)
                continue
            for _ in range(100):
                counts["sent"] += 1
                client._send_text(f"42{counts['sent']}{events[counts['sent'] % 2]}")
            try:
                await asyncio.wait_for(client.writer.drain(), 5)
            except (ConnectionError, OSError, asyncio.TimeoutError):
                break
            await asyncio.sleep(0)
        await client.close()
    return counts


def _abuser(base: str, cookie: str, order_id: int, go, stop, out) -> None:
    # A real attacker floods from another machine: here the abuser shares the two cores with
    # the server and the page's load generator, so it takes only the CPU they leave.
    os.nice(19)
    out.put(asyncio.run(_flood(base, cookie, order_id, go, stop)))


def _page_under_flood(server, order_id: int) -> tuple:
    """The signed-in page's load with no abuser and with one, taking turns a second at a time
    (ROUNDS each), so the machine's other work falls on both alike; what the abuser managed."""
    buyer = support.login_cookie(server.url, *BUYER)
    courier = support.login_cookie(server.url, *COURIER)
    page, headers = server.url + "/s/fresh-fruit", {"Cookie": buyer}
    support.hammer(page, CONNECTIONS, 1.0, headers=headers, warmup=0)
    fork = multiprocessing.get_context("fork")
    go, stop, out = fork.Event(), fork.Event(), fork.Queue()
    abuser = fork.Process(target=_abuser, args=(server.url, courier, order_id, go, stop, out))
    abuser.start()
    idle, loaded = support.Load(), support.Load()
    try:
        for _ in range(ROUNDS):
            for load, flooding in ((idle, False), (loaded, True)):
                go.set() if flooding else go.clear()
                time.sleep(0.2)  # the flood under way (or over) before the page is asked for
                part = asyncio.run(support._hammer(page, CONNECTIONS, SECONDS / ROUNDS, headers))
                load.latencies += part.latencies
                load.errors += part.errors
                for status, n in part.statuses.items():
                    load.statuses[status] = load.statuses.get(status, 0) + n
        stop.set()
        counts = out.get(timeout=60)
    finally:
        stop.set()
        abuser.join(10)
        if abuser.is_alive():
            abuser.kill()
    assert set(idle.statuses) == {200} and set(loaded.statuses) <= {200}, loaded.statuses
    return idle, loaded, counts


def _figure(load: support.Load) -> str:
    if load.errors or not load.latencies:
        return f"page timed out ({load.errors} errors, {len(load.latencies)} answered)"
    return f"{load.ms(95):.1f} ms"


def test_page_p95_while_one_client_floods_events(sqlite_world):
    env, facts = sqlite_world
    guarded = support.start({**env, "RATELIMIT_ENABLED": "1"}, "app-flood")
    try:
        idle, loaded, counts = _page_under_flood(guarded, facts["order_id"])
    finally:
        guarded.stop()
    ratio = loaded.ms(95) / idle.ms(95) if loaded.latencies else None
    record("one client flooding socket events: signed-in shop page p95 (2 conn)",
           f"{_figure(loaded)}; the abuser sent {counts['sent']} events on "
           f"{counts['connections']} connections, {counts['acks']} answered, "
           f"{counts['refused']} handshakes refused",
           f"{idle.ms(95):.1f} ms with no abuser", ratio, "<= 1.5x and <= 100 ms",
           bool(loaded.latencies) and not loaded.errors and ratio <= 1.5
           and loaded.ms(95) <= 100)

    unguarded = support.start(env, "app-flood-unguarded")  # RATELIMIT_ENABLED=0: no limits
    try:
        idle, loaded, counts = _page_under_flood(unguarded, facts["order_id"])
    finally:
        unguarded.stop()
    record("the same with the limits off (RATELIMIT_ENABLED=0, info)",
           f"{_figure(loaded)}; the abuser sent {counts['sent']} events on "
           f"{counts['connections']} connections, {counts['acks']} answered",
           f"{idle.ms(95):.1f} ms with no abuser",
           loaded.ms(95) / idle.ms(95) if loaded.latencies else None)
