"""The layering rule of ARCHITECTURE.md, checked on the source: storage ← watchers ← bot, and no import cycles
(lazy and type-checking imports included)."""
from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import ROOT

LAYERS = {"storage": 0, "watchers": 1, "bot": 2}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for top in LAYERS for p in (ROOT / top).rglob("*.py")}


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """Our modules this one imports, anywhere in it: a lazy import inside a function or an `if TYPE_CHECKING:`
    import is still a dependency, and a circle through one is still a circle."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `from .x import y` inside package a.b is a.b.x
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                # `from pkg import sub` imports the submodule; any other name comes from pkg itself.
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in modules else base)
    return {m for m in found if m in modules and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, name, modules) for name, path in modules.items()}


def test_no_module_imports_a_layer_above_it() -> None:
    upward = [
        f"{mod} imports {dep}"
        for mod, deps in _graph().items()
        for dep in deps
        if LAYERS[dep.split(".")[0]] > LAYERS[mod.split(".")[0]]
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == []


def test_the_checks_can_fail() -> None:
    """The graph is really read: known edges are present (so an empty answer above means something)."""
    graph = _graph()
    assert "storage.store" in graph["watchers.record"]
    assert "watchers.pipeline" in graph["watchers.schedule.poll_cycle"]
    assert "bot.core.context" in graph["bot.app"]
