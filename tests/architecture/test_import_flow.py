"""The package's imports follow the data's one way (docs/reference.md, "How a check runs").

    records, config -> sources -> windows -> stats -> evaluate -> alert transitions -> store
      -> reports, delivery -> runner -> daemon -> cli, demo

Every import inside ``monitor/`` is read from the source (lazy ones in functions too; those
under ``if TYPE_CHECKING:`` are for the type checker only and left out). A module may
import its own layer or a lower one, never a higher one, and no two modules import each
other, directly or around a loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import monitor

ROOT = Path(monitor.__file__).parent

# lower first; a module belongs to the longest prefix that names it
LAYERS: list[tuple[str, ...]] = [
    (
        "monitor",
        "monitor.errors",
        "monitor.secrets",
        "monitor.logs",
        "monitor.records",
        "monitor.config",
        # the drift-method interface and registry: config checks method names against it
        "monitor.drift_methods",
    ),
    ("monitor.sources",),
    ("monitor.windows",),
    ("monitor.stats",),
    ("monitor.compute",),
    ("monitor.evaluate", "monitor.incidents"),
    ("monitor.compute.local",),  # the local engine is the evaluation itself
    (
        "monitor.alerts",
        "monitor.alerts.rules",
        "monitor.alerts.state",
        "monitor.alerts.transitions",
        "monitor.alerts.notify",
    ),
    ("monitor.store",),
    ("monitor.reports", "monitor.alerts.channels", "monitor.alerts.dispatch", "monitor.alerts.retry"),
    ("monitor.alerts.testing", "monitor.runner"),
    ("monitor.daemon",),
    ("monitor.cli", "monitor.demo", "monitor.init"),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in ROOT.rglob("*.py")}


def layer_of(name: str) -> int:
    best, best_length = -1, -1
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    assert best >= 0, f"{name} belongs to no layer: add it to LAYERS"
    return best


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imported_modules(name: str) -> set[str]:
    """The monitor modules ``name`` imports at run time."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if _type_checking_only(node):
            continue
        stack.extend(ast.iter_child_nodes(node))
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: imported_modules(name) for name in MODULES}


def test_every_module_belongs_to_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


def test_no_module_imports_against_the_flow() -> None:
    upward = [
        f"{name} (layer {layer_of(name)}) imports {target} (layer {layer_of(target)})"
        for name, targets in GRAPH.items()
        for target in targets
        if layer_of(target) > layer_of(name)
    ]
    assert upward == []


def test_no_import_cycle() -> None:
    cycles = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for target in sorted(GRAPH[name]):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_walk_sees_imports() -> None:
    """The checks above are only as good as the walk: it must see known edges, lazy ones too."""
    assert "monitor.records.result" in GRAPH["monitor.alerts.transitions"]
    assert "monitor.reports.run" in GRAPH["monitor.runner"]  # imported inside a method
    assert layer_of("monitor.alerts.channels.slack") > layer_of("monitor.alerts.state")
