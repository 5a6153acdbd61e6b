"""The package's shape: layers import downwards only, and nothing imports in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "toolkit"

# a module may import modules of its own rank or lower
RANK = {
    "core": 0,
    "read": 1,
    "write": 2,
    "deliver": 2,
    "archive": 2,
    "api": 3,
    "render": 4,
    "cli": 5,
    "__main__": 6,
    "__init__": 6,
}


def _modules() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(("toolkit", *parts)).removesuffix(".__init__")
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.level == 0
                and (node.module or "").startswith("toolkit")
            ):
                if (
                    node.module == "toolkit"
                ):  # `from toolkit import __version__`: the package itself
                    imported.add("toolkit")
                else:
                    imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(a.name for a in node.names if a.name.startswith("toolkit"))
        graph[name] = imported - {name}
    return graph


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_import_points_down_the_layers():
    wrong = []
    for module, imports in _modules().items():
        for target in imports:
            if target == "toolkit":  # the package's version string
                continue
            if RANK[_layer(target)] > RANK[_layer(module)]:
                wrong.append(f"{module} → {target}")
    assert wrong == []


def test_core_opens_nothing_outside_core():
    graph = _modules()
    outside = [
        f"{m} → {t}"
        for m, ts in graph.items()
        if _layer(m) == "core"
        for t in ts
        if _layer(t) != "core"
    ]
    assert outside == []


def test_no_import_cycles_even_type_only_ones():
    graph = _modules()
    seen: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        seen[node] = 1
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if seen.get(target) == 1:
                cycles.append(path[path.index(target) :] + [target])
            elif target not in seen:
                visit(target, [*path, target])
        seen[node] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module, [module])
    assert cycles == []


def test_few_modules_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


def test_the_layout_page_names_every_module_and_no_other():
    """docs/LAYOUT.md walks a newcomer through the package: one line per module, by folder."""
    import re

    page = (PACKAGE.parent / "docs" / "LAYOUT.md").read_text(encoding="utf-8")
    listed: set[str] = set()
    folder = ""
    for line in page.splitlines():
        if heading := re.match(r"## `toolkit/(.*)`", line):
            folder = heading.group(1)
        elif item := re.match(r"- `([\w.]+\.py)`", line):
            listed.add(folder + item.group(1))
    modules = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")}
    assert sorted(modules - listed) == [] and sorted(listed - modules) == []
