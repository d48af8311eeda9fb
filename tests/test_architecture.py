"""The layout is the architecture (issue 17): the packages of workflow/ are the
stages, imports go one way through them with no cycle, plugins stay adapters,
nothing keeps state on module level, and every finding id has a Chinese name."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.repo import PROJECT
from workflow.rules import catalogue

WORKFLOW = PROJECT / "workflow"
# Earlier stages never import later ones.
LAYERS = ["errors", "model", "policy", "review", "rules", "gate", "build", "publish", "report", "cli"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")
    if parts == ["workflow"]:
        return -1
    return LAYERS.index(parts[1])


def imports(path: Path, top_level_only: bool = False) -> set[str]:
    """The workflow modules `path` imports (at any depth, or at module level only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else ast.walk(tree)
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("workflow")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("workflow"):
            assert node.level == 0, f"{path}: relative import"
            found.add(node.module)
            for a in node.names:          # `from workflow.model import dates` imports workflow.model.dates
                candidate = f"{node.module}.{a.name}"
                if (PROJECT / Path(*candidate.split("."))).with_suffix(".py").exists() or \
                        (PROJECT / Path(*candidate.split("."))).is_dir():
                    found.add(candidate)
    return found


SOURCES = sorted(WORKFLOW.rglob("*.py"))


def test_the_packages_are_the_stages():
    packages = sorted(p.name for p in WORKFLOW.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert packages == sorted(LAYERS[1:])
    loose = sorted(p.name for p in WORKFLOW.glob("*.py"))
    assert loose == ["__init__.py", "errors.py"]


def test_imports_go_one_way_through_the_stages():
    wrong = []
    for path in SOURCES:
        me = module_name(path)
        for other in imports(path):
            if other != "workflow" and layer(other) > layer(me):
                wrong.append(f"{me} imports {other}")
    assert not wrong, wrong


def test_there_is_no_import_cycle():
    graph = {module_name(p): {m for m in imports(p, top_level_only=True) if m != module_name(p)} for p in SOURCES}
    state: dict[str, int] = {}
    cycles = []

    def visit(node, trail):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else trail + [nxt])
            elif nxt in graph and state.get(nxt) is None:
                visit(nxt, trail + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node, [node])
    # a package importing its own submodules from __init__ is how packages are made, not a cycle
    cycles = [c for c in cycles if not all(m.startswith(c[0].rsplit(".", 1)[0]) for m in c)
              or len({m.split(".")[1] for m in c if m.count(".")}) > 1]
    assert not cycles, cycles


def test_plugins_are_adapters_over_the_build():
    for path in sorted((PROJECT / "plugins").rglob("*.py")):
        for other in imports(path):
            assert layer(other) <= LAYERS.index("build"), f"{path}: imports {other}"


def test_no_module_keeps_state():
    """No module-level cache, registry or global: state lives on the run (gate/run.py)."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                found.append(f"{path.name}: global {node.names}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for deco in node.decorator_list:
                    name = ast.unparse(deco)
                    if "lru_cache" in name or name in ("cache", "functools.cache"):
                        found.append(f"{path.name}: @{name} {node.name}")
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, ast.AnnAssign) else []
            for target in targets:
                name = getattr(target, "id", "")
                value = getattr(node, "value", None)
                mutable = isinstance(value, (ast.Dict, ast.List, ast.Set)) or (
                    isinstance(value, ast.Call) and ast.unparse(value.func) in ("dict", "list", "set", "defaultdict"))
                if name and mutable and not name.isupper() and name != "__all__":
                    found.append(f"{path.name}: {name}")
    assert not found, found


def test_every_finding_id_has_a_chinese_name():
    prefixes = {r.split(".")[0] for r in catalogue.NAMES}
    pattern = re.compile(r"""["'](%s)\.([a-z][a-z-]*)["']""" % "|".join(sorted(prefixes)))
    used = {f"{m[1]}.{m[2]}" for path in SOURCES for m in pattern.finditer(path.read_text(encoding="utf-8"))}
    assert used, "no finding id found"
    missing = sorted(used - set(catalogue.NAMES))
    assert not missing, missing
