"""The import graph of ``suite``: no import cycles, and ``import suite`` stays light.

Importing every module in a fresh process is too slow, so the graph is read from the source:
each module's ``import`` statements, function-local ones included (they run on first call and
close a cycle just the same), relative imports resolved against the module's package. Imports
under ``if TYPE_CHECKING:`` never run and are left out. An edge goes to the module named:
``from suite.a import b`` is an edge to ``suite.a.b`` when that is a module, else to ``suite.a``;
the parent packages that Python initialises on the way are not edges (a package importing its
own submodules is the normal layout, not a cycle). A cycle is a strongly connected component
of more than one module.

The same reading checks that no module imports another module's private (``_name``) names.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "suite"

def module_files() -> dict[str, Path]:
    """``{dotted module name: file}`` of every module under ``suite/`` (packages by ``__init__``)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement in ``tree``, at any depth, except under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            children = node.orelse  # the body only runs for the type checker
        stack.extend(children)


def _package_of(name: str, path: Path) -> str:
    """The package relative imports in module ``name`` resolve against."""
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _source_module(node: ast.ImportFrom, package: str) -> str:
    """The dotted module a ``from ... import`` statement reads from, relative levels resolved."""
    if not node.level:
        return node.module or ""
    base = package.split(".")
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, dict[str, list[int]]]:
    """``{module: {imported suite module: [line numbers]}}``."""
    files = module_files()
    graph: dict[str, dict[str, list[int]]] = {}
    for name, path in files.items():
        package = _package_of(name, path)
        edges: dict[str, list[int]] = {}

        def add(target: str, line: int) -> None:
            # the longest prefix of ``target`` that is a suite module (``suite.x.func`` -> ``suite.x``)
            while target and target not in files:
                target = target.rpartition(".")[0]
            if target and target != name and line not in edges.get(target, []):
                edges.setdefault(target, []).append(line)

        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(alias.name, node.lineno)
                continue
            module = _source_module(node, package)
            for alias in node.names:
                # ``from pkg import sub`` imports the submodule ``pkg.sub`` when there is one
                add(f"{module}.{alias.name}" if f"{module}.{alias.name}" in files else module, node.lineno)
        graph[name] = edges
    return graph


def import_cycles(graph: dict[str, dict[str, list[int]]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph) + 100))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(out)


def describe(cycle: list[str], graph: dict[str, dict[str, list[int]]]) -> str:
    """The cycle's modules and the import lines that connect them."""
    files = module_files()
    members = set(cycle)
    lines = [" <-> ".join(cycle)]
    for a in cycle:
        for b, where in sorted(graph[a].items()):
            if b in members:
                rel = files[a].relative_to(REPO)
                lines.append(f"    {a} -> {b}  ({rel}:{','.join(map(str, sorted(where)))})")
    return "\n".join(lines)


def test_graph_reader_resolves_relative_and_local_imports():
    """The reader itself, on the real tree: a relative import and a function-local one are edges."""
    graph = import_graph()
    assert set(graph) == set(module_files()) and "suite" in graph and "suite.data.benchmark" in graph
    assert "suite.data.benchmark" in graph["suite"]  # ``from .data.benchmark import ...`` in suite/__init__.py
    assert "suite.errors" in graph["suite"]
    cyc = {"a": {"b": [1]}, "b": {"c": [1]}, "c": {"a": [1]}, "d": {"a": [1]}}
    assert import_cycles(cyc) == [["a", "b", "c"]]


def test_no_import_cycles():
    graph = import_graph()
    cycles = import_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(describe(c, graph) for c in cycles)


def _is_private(name: str) -> bool:
    """One leading underscore: private by convention (``__future__``-style dunder names are not)."""
    return name.startswith("_") and not name.startswith("__")


def private_imports(name: str, tree: ast.AST, path: Path, files: dict[str, Path]) -> list[str]:
    """``from m import _x`` statements in module ``name`` that reach into another module's privates.

    Every ``from ... import`` counts, ``if TYPE_CHECKING:`` and function-local ones included. A
    name with one leading underscore is allowed only from a module whose own name is private
    (a package's helper module such as ``suite.encodings._common``), and a private module may
    itself be imported (``from . import _common``).
    """
    package = _package_of(name, path)
    out = []
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)), key=lambda n: n.lineno):
        module = _source_module(node, package)
        if _is_private(module.rpartition(".")[2]):
            continue
        for alias in node.names:
            if _is_private(alias.name) and f"{module}.{alias.name}" not in files:
                out.append(f"{path.relative_to(REPO).as_posix()}:{node.lineno}: from {module} import {alias.name}")
    return out


def test_private_import_reader_flags_only_foreign_privates():
    """The reader itself, on made-up sources placed at real paths."""
    files = module_files()
    path = files["suite.report.search_figures"]
    source = (
        "from __future__ import annotations\n"
        "from .figures import PALETTE, _finish\n"  # flagged: private name of a public module
        "from ..encodings._common import _helper\n"  # allowed: the module's own name is private
        "from ..encodings import _common\n"  # allowed: a private module, not a private name
        "def f():\n    from suite.data.cache import _hidden\n"  # flagged, even function-local
    )
    found = private_imports("suite.report.search_figures", ast.parse(source), path, files)
    assert found == [
        "suite/report/search_figures.py:2: from suite.report.figures import _finish",
        "suite/report/search_figures.py:6: from suite.data.cache import _hidden",
    ]


def test_no_module_imports_another_modules_private_names():
    """Private names stay in their module: make a name public, or move the logic, before sharing it."""
    files = module_files()
    found = []
    for name, path in files.items():
        found += private_imports(name, ast.parse(path.read_text(encoding="utf-8"), str(path)), path, files)
    assert not found, "imports of another module's private names:\n" + "\n".join(found)


#: optional heavy dependencies ``import suite`` must not touch (not even try to import)
HEAVY = ("torch", "xgboost", "lightgbm", "dask", "ray", "matplotlib.pyplot")

_PROBE = r"""
import json, sys
heavy = %r
tried = set()

class Recorder:
    def find_spec(self, fullname, path=None, target=None):
        for h in heavy:
            if fullname == h or fullname.startswith(h + "."):
                tried.add(h)
        return None

sys.meta_path.insert(0, Recorder())
import suite
loaded = {h for h in heavy if any(m == h or m.startswith(h + ".") for m in sys.modules)}
print(json.dumps(sorted(tried | loaded)))
"""


def test_import_suite_stays_light():
    """``import suite`` imports (or tries, e.g. under ``try``) none of the optional heavy packages."""
    proc = subprocess.run([sys.executable, "-c", _PROBE % (HEAVY,)], capture_output=True, text=True, cwd=REPO,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
