"""Checkout under contention on one SQLite file: the app's conditional UPDATE against a naive
read-then-write baseline, measured in the same run. Prints sold/oversold/errors and the ratio
of successful checkouts per second. Run with `make bench`."""
from __future__ import annotations

import sqlite3
import threading
import time

from bench.conftest import record

WORKERS, ATTEMPTS, STOCK = 8, 60, 200


def setup(path) -> None:
    with sqlite3.connect(path) as c:
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("CREATE TABLE product (id INTEGER PRIMARY KEY, stock INTEGER NOT NULL)")
        c.execute("CREATE TABLE sale (id INTEGER PRIMARY KEY, product_id INTEGER)")
        c.execute("INSERT INTO product VALUES (1, ?)", (STOCK,))


def conditional(c: sqlite3.Connection) -> bool:
    with c:
        taken = c.execute("UPDATE product SET stock = stock - 1 WHERE id = 1 AND stock >= 1")
        if taken.rowcount != 1:
            return False
        c.execute("INSERT INTO sale (product_id) VALUES (1)")
    return True


def read_then_write(c: sqlite3.Connection) -> bool:
    with c:
        (stock,) = c.execute("SELECT stock FROM product WHERE id = 1").fetchone()
        if stock < 1:
            return False
        time.sleep(0)  # let another thread run between the read and the write, as a request would
        c.execute("UPDATE product SET stock = ? WHERE id = 1", (stock - 1,))
        c.execute("INSERT INTO sale (product_id) VALUES (1)")
    return True


def run(path, checkout) -> dict:
    setup(path)
    counts = {"sold": 0, "errors": 0}
    lock = threading.Lock()

    def worker():
        c = sqlite3.connect(path, timeout=0.2, check_same_thread=False)
        c.execute("PRAGMA busy_timeout=200")
        for _ in range(ATTEMPTS):
            try:
                ok = checkout(c)
            except sqlite3.OperationalError:
                ok = None
            with lock:
                if ok:
                    counts["sold"] += 1
                elif ok is None:
                    counts["errors"] += 1
        c.close()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    with sqlite3.connect(path) as c:
        (stock,) = c.execute("SELECT stock FROM product").fetchone()
        (sales,) = c.execute("SELECT count(*) FROM sale").fetchone()
    counts.update(elapsed=elapsed, oversold=sales - (STOCK - stock), per_second=sales / elapsed)
    return counts


def test_conditional_update_against_read_then_write(tmp_path):
    baseline = run(tmp_path / "baseline.db", read_then_write)
    app = run(tmp_path / "app.db", conditional)
    print(f"\nbaseline read-then-write: {baseline}")
    print(f"app conditional update:   {app}")
    print(f"ratio (app / baseline checkouts per second): "
          f"{app['per_second'] / baseline['per_second']:.2f}")
    record("SQLite conditional UPDATE vs read-then-write (no server)",
           f"{app['per_second']:.0f} sales/s, {app['errors']} errors, {app['oversold']} oversold",
           f"{baseline['per_second']:.0f} sales/s, {baseline['errors']} errors, "
           f"{baseline['oversold']} oversold", app["per_second"] / baseline["per_second"])
    assert app["oversold"] == 0 and app["sold"] == STOCK
