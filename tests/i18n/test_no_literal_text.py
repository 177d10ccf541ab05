"""No user-visible Chinese is left outside a gettext call: not in the templates, not in the
Python sources, not in the scripts (their texts come from webapp/i18n/js.py)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
GETTEXT = {"_", "gettext", "ngettext", "N_", "_l", "lazy_gettext", "lazy_ngettext", "pgettext"}

# Chinese that stays as it is, with the reason.
TEMPLATE_ALLOWED = {
    # The language switch names the other language in that language.
    ("base.html", "中文"),
    # 我的's language choice names each language in itself.
    ("me/index.html", "简体中文"),
}
PYTHON_ALLOWED = {
    # Demo data and console output of the `flask` commands (seed-demo, create-admin).
    "webapp/cli.py": None,
    # The default display name create-admin stores for a new admin (data, not a message).
    "webapp/auth/services.py": {"平台管理员"},
    # The name a deleted account keeps (data, as the records store it), and the word typed to
    # confirm a deletion (compared with what was typed; the English form accepts DELETE too).
    "webapp/me/deletion.py": {"已注销用户", "注销"},
    # Names in the region data (pca-code), compared with it, never shown as messages.
    "webapp/regions/services.py": {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"},
    # The Chinese side of the table that makes region names English (names.english), and the
    # examples in its docstrings.
    "webapp/regions/names.py": None,
    # The build script of the district outlines: its docstrings.
    "webapp/regions/data/build_districts.py": None,
    # Search's vocabulary: the characters a title's words end before, the nouns whose 子/儿 is
    # not a suffix, the synonym groups seeded for admins to edit; matched, never shown.
    "webapp/search/keys.py": None,
    "webapp/search/query.py": None,
    "webapp/search/synonyms.py": None,
    # The development SMS provider's log lines, standing for the templates approved at the SMS
    # provider (a text message goes out in Chinese as approved, whatever the page's language).
    "webapp/sms/kinds.py": None,
}
# Modules that import no Flask keep their labels as plain Chinese; webapp/i18n/labels.py marks
# them for extraction and the pages translate them (test_catalogs checks both).
PURE_LABEL_MODULES = {"webapp/orders/state.py", "webapp/models/order.py",
                      "webapp/payments/state.py"}


def _template_findings(source: str, name: str, env: Environment) -> list[str]:
    tokens = [t for t in env.lexer.tokeniter(source, name) if t[1] != "whitespace"]
    found, calls = [], []  # calls: paren depth of each open gettext call
    depth = 0
    for i, (line, kind, value) in enumerate(tokens):
        if kind == "operator" and value == "(":
            depth += 1
            if i and tokens[i - 1][1] == "name" and tokens[i - 1][2] in GETTEXT:
                calls.append(depth)
        elif kind == "operator" and value == ")":
            if calls and calls[-1] == depth:
                calls.pop()
            depth -= 1
        elif kind in ("data", "string") and CJK.search(value):
            inside = kind == "string" and calls and calls[-1] == depth
            if not inside and (name, value.strip().strip("\"'")) not in TEMPLATE_ALLOWED:
                found.append(f"{name}:{line} {kind} {value.strip()[:60]!r}")
    return found


def test_templates_have_no_literal_chinese():
    env = Environment(extensions=["jinja2.ext.i18n"])
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 80
    found = [f for path in templates for f in _template_findings(
        path.read_text(encoding="utf-8"), str(path.relative_to(ROOT / "templates")), env)]
    assert not found, "wrap in {{ _('…') }}:\n" + "\n".join(found)


def test_the_template_check_finds_literal_text():
    """The check above would catch text, attributes and plain strings, and pass wrapped ones."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    probe = ('<p>你好</p><a title="标题"></a>{{ "字" if x else _("好") }}'
             '{{ ngettext("%(num)d 件", "%(num)d 件", n) }}{{ f(_("甲"), "乙") }}{# 注释 #}')
    found = _template_findings(probe, "probe.html", env)
    assert [f.split(" ", 2)[1:] for f in found] == [
        ["data", "'<p>你好</p><a title=\"标题\"></a>'"], ["string", "'\"字\"'"], ["string", "'\"乙\"'"]]


def _python_findings(source: str, name: str, extracted: set[str]) -> list[str]:
    allowed = PYTHON_ALLOWED.get(name, set())
    if name in PYTHON_ALLOWED and allowed is None:
        return []
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value):
            parent = parents.get(node)
            while isinstance(parent, ast.JoinedStr):  # an f-string is never extracted
                parent = parents.get(parent)
            if isinstance(parent, ast.Expr) and parents.get(node) is parent:
                continue  # a docstring
            if isinstance(parent, ast.Call) and node in parent.args:
                func = parent.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if called in GETTEXT:
                    continue
            if node.value in allowed:
                continue
            if name in PURE_LABEL_MODULES and node.value in extracted:
                continue
            found.append(f"{name}:{node.lineno} {node.value[:60]!r}")
    return found


def test_python_has_no_literal_chinese(extracted):
    sources = sorted((ROOT / "webapp").rglob("*.py"))
    assert len(sources) > 60
    found = [f for path in sources for f in _python_findings(
        path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), extracted)]
    assert not found, "wrap in _() / N_() / _l():\n" + "\n".join(found)


def test_the_python_check_finds_literal_text(extracted):
    probe = '"""文档。"""\nA = _("甲")\nB = "乙"\nC = f"丙 {A}"\nD = N_("丁")\nraise X("戊")\n'
    found = _python_findings(probe, "webapp/probe.py", extracted)
    assert [f.split(" ", 1)[1] for f in found] == ["'乙'", "'丙 '", "'戊'"]


def test_scripts_have_no_literal_chinese():
    """Scripts take their words from <body data-i18n> (comments may say anything)."""
    found = []
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("//", 1)[0]
            if CJK.search(code):
                found.append(f"{path.name}:{number} {line.strip()[:60]}")
    assert not found, "\n".join(found)


@pytest.fixture(scope="module")
def extracted():
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    from tests.support.i18n import walked

    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords, directory_filter=walked):
        found.update(message if isinstance(message, tuple) else (message,))
    return found
