"""The import graph: the CLI sits on top (cli -> api -> the library), never the other way,
and the CLI's own modules form no loop. Read from the source, function-level imports included."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "finmodel"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_package(name: str) -> bool:
    return (PACKAGE.parent / Path(*name.split(".")) / "__init__.py").is_file()


def import_graph() -> dict[str, set[str]]:
    """finmodel module -> the finmodel modules it imports (anywhere in its code)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name.startswith("finmodel")}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if not target.startswith("finmodel"):
                    continue
                subs = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules}
                edges |= subs or {target}
                if subs != {f"{target}.{a.name}" for a in node.names}:
                    edges.add(target)
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def _cycles(graph: dict[str, set[str]], nodes: set[str]) -> list[list[str]]:
    """Cycles of the graph restricted to ``nodes`` (depth-first search)."""
    found, state = [], {}

    def visit(n, stack):
        state[n] = 1
        for m in sorted(graph[n] & nodes):
            if state.get(m) == 1:
                found.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m, stack + [m])
        state[n] = 2

    for n in sorted(nodes):
        if n not in state:
            visit(n, [n])
    return found


def test_nothing_outside_the_cli_imports_the_cli():
    graph = import_graph()
    upward = sorted((a, b) for a, edges in graph.items() for b in edges
                    if b.startswith("finmodel.cli") and not a.startswith("finmodel.cli")
                    and a != "finmodel.__main__")
    assert upward == []


def test_the_cli_reaches_the_model_through_the_api():
    graph = import_graph()
    assert "finmodel.api" in graph["finmodel.cli.registry"]
    for name in ("finmodel.api", "finmodel.runs", "finmodel.arguments", "finmodel.outputs"):
        assert not any(e.startswith("finmodel.cli") for e in graph[name]), name


def test_no_import_loop_through_the_cli_or_the_api():
    """(The root package ``finmodel`` is left out: every submodule implies it, and its lazy
    ``__getattr__`` is the public face of the API.)"""
    graph = import_graph()
    top = {n for n in graph if n.startswith("finmodel.cli")} | {
        "finmodel.api", "finmodel.runs", "finmodel.arguments", "finmodel.outputs",
        "finmodel.record", "finmodel.errors", "finmodel.tables"}
    assert _cycles(graph, top) == []


def test_the_cli_modules_do_not_import_their_package():
    graph = import_graph()
    for name, edges in graph.items():
        if name.startswith("finmodel.cli."):
            assert "finmodel.cli" not in edges, name


def test_importing_the_api_does_not_load_the_cli():
    code = ("import sys, finmodel.api, finmodel.runs; "
            "print(sorted(m for m in sys.modules if m.startswith('finmodel.cli')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=PACKAGE.parent, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_help_does_not_load_the_model():
    code = ("import sys; from finmodel.cli import cli; "
            "print(sorted(m for m in ('finmodel.api', 'pandas', 'pydantic') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=PACKAGE.parent, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
