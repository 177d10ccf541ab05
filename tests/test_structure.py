"""The shape of webapp/: no import cycles between its modules, no file over 400 lines, no function
over 50 lines.

The import graph is read from the source with `ast`, not by importing: an edge is an import that
runs when the module is loaded (module and class bodies, `try`/`if` blocks included, the body of
`if TYPE_CHECKING:` excluded; imports inside functions are not edges, and ruff's PLC0415 keeps
webapp/ free of them). `from webapp.x import y` is an edge to the submodule `webapp.x.y` when there
is one, else to `webapp.x`. Importing `webapp.x.y` first runs the package `webapp.x`'s __init__,
so that is an edge too, unless the importer lives inside `webapp.x` (whose __init__ has then
already started). A cycle is a strongly connected component of more than one module, or a module
importing itself."""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

WEBAPP = Path(__file__).resolve().parents[1] / "webapp"
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 50


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources(root: Path) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def load_time_imports(nodes) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements that run when a module body (or a class body in it) runs."""
    for node in nodes:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        elif isinstance(node, ast.If) and is_type_checking(node.test):
            yield from load_time_imports(node.orelse)
        else:
            yield from load_time_imports(
                child for child in ast.iter_child_nodes(node)
                if isinstance(child, (ast.stmt, ast.excepthandler, ast.match_case)))


def imported_names(name: str, path: Path, node: ast.Import | ast.ImportFrom,
                   modules: dict[str, Path]) -> Iterator[str]:
    """The webapp modules an import statement names."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        yield submodule if submodule in modules else base


def import_graph(root: Path = WEBAPP) -> dict[str, set[str]]:
    """Module -> the package's modules its loading imports (packages' __init__ included)."""
    modules = sources(root)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        own_packages = {name} | {name.rsplit(".", n)[0] for n in range(1, name.count(".") + 1)}
        if path.name != "__init__.py":
            own_packages.discard(name)
            own_packages.add(name.rpartition(".")[0])
        edges = graph.setdefault(name, set())
        for node in load_time_imports(tree.body):
            for target in imported_names(name, path, node, modules):
                if target not in modules:
                    continue
                edges.add(target)
                parts = target.split(".")
                for n in range(1, len(parts)):
                    package = ".".join(parts[:n])
                    if package in modules and package not in own_packages:
                        edges.add(package)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), and self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for child in sorted(graph[node]):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = stack[stack.index(node):]
            del stack[stack.index(node):]
            if len(component) > 1 or node in graph[node]:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_cycles_are_found():
    """The check itself: a two-module loop and a self-import are cycles, a chain is not."""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert cycles({"a": {"a"}}) == [["a"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_graph_reads_package_inits_and_submodules(tmp_path):
    """Submodules named by `from x import y`, parent packages, relative imports, TYPE_CHECKING."""
    files = {
        "__init__.py": "from pkg import a\n",
        "a.py": "from pkg.sub import b\nfrom . import c\n",
        "c.py": "import typing\nif typing.TYPE_CHECKING:\n    from pkg import a\n"
                "def f():\n    from pkg import a\n",
        "sub/__init__.py": "from .b import thing\n",
        "sub/b.py": "from pkg import c\ntry:\n    import pkg.d\nexcept ImportError:\n    pass\n"
                    "thing = 1\n",
        "d.py": "class D:\n    from pkg.sub import thing\n",
    }
    for name, text in files.items():
        (tmp_path / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / name).write_text(text)
    graph = import_graph(tmp_path / "pkg")
    assert graph == {
        "pkg": {"pkg.a"},
        "pkg.a": {"pkg.sub", "pkg.sub.b", "pkg.c"},
        "pkg.c": set(),
        "pkg.sub": {"pkg.sub.b"},
        "pkg.sub.b": {"pkg.c", "pkg.d"},
        "pkg.d": {"pkg.sub"},
    }
    assert cycles(graph) == [["pkg.d", "pkg.sub", "pkg.sub.b"]]


def test_no_import_cycles():
    """No group of webapp modules imports each other when loaded."""
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_long_files():
    """No file under webapp/ is over 400 lines."""
    long = {str(path.relative_to(WEBAPP.parent)): n for path in WEBAPP.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES}
    assert not long, f"files over {MAX_FILE_LINES} lines: {long}"


def test_no_long_functions():
    """No function under webapp/ is over 50 lines, decorators excluded."""
    long = []
    for path in sorted(WEBAPP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(WEBAPP.parent)}:{node.lineno} {node.name} {size}")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(long)
