"""Collect each benchmark's figure, baseline and goal; print one table when the run ends (and
the tables a benchmark adds with `table`, after it)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

RESULTS: list[dict] = []
TABLES: list[tuple[str, tuple[str, ...], list[tuple[str, ...]]]] = []


def record(name: str, figure: str, baseline: str = "", ratio: float | None = None,
           goal: str = "", met: bool | None = None) -> None:
    """Print one measured figure against its goal (a MISS is reported, never raised)."""
    verdict = "" if met is None else ("PASS" if met else "MISS")
    row = dict(name=name, figure=figure, baseline=baseline,
               ratio="" if ratio is None else f"{ratio:.2f}x", goal=goal, verdict=verdict)
    RESULTS.append(row)
    print(f"\n[bench] {name}: {figure}" + (f" | baseline {baseline}" if baseline else "")
          + (f" | ratio {row['ratio']}" if row["ratio"] else "")
          + (f" | goal {goal}: {verdict}" if goal else ""), flush=True)


def table(title: str, heads: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A table of its own (one row per page, say), printed after the summary."""
    TABLES.append((title, heads, rows))


# Pages first, on a fresh server and while the contested product is still on sale (the shop
# shows 50 products), then what writes or floods: checkouts, sockets.
ORDER = ("test_pages", "test_weight", "test_checkout", "test_sockets", "test_stock_update")


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.module.__name__.rsplit(".", 1)[-1]
        return ORDER.index(name) if name in ORDER else len(ORDER)

    items.sort(key=rank)


def pytest_terminal_summary(terminalreporter):
    if RESULTS:
        write_table(terminalreporter, "benchmark summary",
                    ("benchmark", "figure", "baseline (same run)", "ratio", "goal", ""),
                    [tuple(r[c] for c in ("name", "figure", "baseline", "ratio", "goal", "verdict"))
                     for r in RESULTS])
    for title, heads, rows in TABLES:
        write_table(terminalreporter, title, heads, rows)


def write_table(terminalreporter, title: str, heads: tuple[str, ...],
                rows: list[tuple[str, ...]]) -> None:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(heads)]

    def line(values) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()

    terminalreporter.write_sep("=", title)
    terminalreporter.write_line(line(heads))
    terminalreporter.write_line("-+-".join("-" * w for w in widths))
    for row in rows:
        terminalreporter.write_line(line(row))


@pytest.fixture(scope="session")
def bench_tmp():
    with tempfile.TemporaryDirectory(prefix="bench-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def sqlite_world(bench_tmp):
    """A migrated, seeded SQLite file and its server environment, shared by the benchmarks."""
    from bench import support

    # deploy's keep-alive (tests use 2 s): the page benchmark's connections wait their turn.
    env, facts = support.prepare(f"sqlite:///{bench_tmp / 'bench.db'}", KEEPALIVE="10")
    return env, facts


@pytest.fixture(scope="session")
def app_server(sqlite_world):
    from bench import support

    server = support.start(sqlite_world[0], "app")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bare_server(sqlite_world):
    from bench import support

    server = support.start(sqlite_world[0], "bare", "bench.bare:app")
    yield server
    server.stop()


def postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL")
