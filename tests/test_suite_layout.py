"""The test suite's own rules, read from the source with `ast`:

- no test module (test_*.py or conftest.py) imports another test module: what tests share lives
  in tests/support/, which imports no test module either;
- only tests/e2e/ drives a browser: no other test module imports Playwright or the browser
  helpers, or runs chromium (tests/e2e/conftest.py marks everything under it `e2e`, which the
  PostgreSQL pass of .ci/run deselects);
- Hypothesis is configured once, by the profiles registered in tests/conftest.py.
"""
from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SUPPORT = TESTS / "support"
E2E = TESTS / "e2e"
BROWSER_MODULES = {"playwright", "tests.support.browser", "tests.support.demo"}
# The browser's executable in a string (a path or a command line), not the word in a sentence.
CHROMIUM_COMMAND = re.compile(r"(^|/)chromium(\s|$)")


def suite_modules() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py")
                  if (path.name.startswith("test_") or path.name == "conftest.py")
                  and "vendor" not in path.parts)


@functools.cache
def tree(path: Path) -> ast.Module:
    """The module's syntax tree, parsed once for all the rules below (the suite is 200 files)."""
    return ast.parse(path.read_text(), str(path))


@functools.cache
def imported(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in it (function bodies included); `from a import b`
    counts as a.b as well as a, since b may be a module."""
    names = set()
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def relative(path: Path) -> str:
    return str(path.relative_to(TESTS.parent))


def test_the_rules_see_the_suite():
    assert len(suite_modules()) > 80
    assert {"tests.support.helpers", "tests.support.live"} <= imported(
        TESTS / "delivery" / "test_live_positions.py") | imported(TESTS / "test_csrf.py")


@pytest.mark.parametrize("folder", [TESTS, SUPPORT], ids=["test modules", "tests/support"])
def test_nothing_imports_a_test_module(folder):
    paths = suite_modules() if folder == TESTS else sorted(SUPPORT.rglob("*.py"))
    wrong = {}
    for path in paths:
        bad = sorted(name for name in imported(path)
                     if name.startswith(".") or (name.split(".")[0] == "tests"
                                                 and name != "tests"
                                                 and not name.startswith("tests.support")))
        # `from tests import live` would be tests.live: only tests.support is allowed.
        bad += sorted(name for name in imported(path)
                      if name.startswith("tests.") and name.count(".") == 1
                      and name != "tests.support" and name not in bad)
        if bad:
            wrong[relative(path)] = bad
    assert not wrong, f"import these from tests/support instead: {wrong}"


def test_only_tests_e2e_drives_a_browser():
    wrong = {}
    for path in suite_modules():
        if E2E in path.parents:
            continue
        found = sorted(name for name in imported(path)
                       if name.split(".")[0] == "playwright"
                       or any(name == m or name.startswith(m + ".") for m in BROWSER_MODULES))
        if any(isinstance(node, ast.Constant) and isinstance(node.value, str)
               and CHROMIUM_COMMAND.search(node.value)
               for node in ast.walk(tree(path))):
            found.append("runs chromium")
        if found:
            wrong[relative(path)] = found
    assert not wrong, f"browser tests belong in tests/e2e/ (marked e2e there): {wrong}"


def test_hypothesis_is_configured_only_in_the_root_conftest():
    wrong = []
    for path in suite_modules() + sorted(SUPPORT.rglob("*.py")):
        if path == TESTS / "conftest.py":
            continue
        for node in ast.walk(tree(path)):
            if (isinstance(node, ast.ImportFrom) and node.module == "hypothesis"
                    and any(alias.name == "settings" for alias in node.names)):
                wrong.append(relative(path))
    assert not wrong, f"use the profiles of tests/conftest.py (make fuzz runs the long one): {wrong}"
