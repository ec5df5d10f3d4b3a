"""The shape of the code, read from its source with `ast` (no app is built):

- no import cycle between modules, nor between packages (`portal.services`, `portal.jobs`,
  ...; each top-level module such as `portal.tenancy` counts as its own package). Imports
  inside functions count too: a cycle hidden in a function is still a cycle;
- nothing in `portal/web` or `portal/api` imports `portal.admin` (the customer side must
  work without Flask-AppBuilder's views);
- no module under portal/ (migrations aside) is over MAX_LINES lines.

A package's `__init__` importing its own submodules (to register routes, or create_app
wiring everything) is containment, not an edge.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"
MAX_LINES = 400

# Allowlists: empty, and they only ever shrink (test_the_allowlists_name_what_exists).
# Import edges (module -> module) that close a cycle today:
KNOWN_CYCLE_EDGES: set[tuple[str, str]] = set()
# Modules over MAX_LINES today:
KNOWN_LONG_MODULES: set[str] = set()


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in PORTAL.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if "migrations" in parts:
            continue
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The module an imported name lives in (`portal.services.tickets` for
    `from portal.services import tickets`; the package for one of its attributes)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported(module: str) -> set[str]:
    path, is_package = MODULES[module]
    package = module if is_package else module.rpartition(".")[0]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            names += [f"{base}.{alias.name}" for alias in node.names]
    found = {_resolve(name) for name in names} - {None, module}
    if is_package:  # containment: a package wiring its own submodules
        found = {name for name in found if not name.startswith(module + ".")}
    return found


EDGES = {module: _imported(module) for module in MODULES}


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _edges_left() -> dict[str, set[str]]:
    return {a: {b for b in targets if (a, b) not in KNOWN_CYCLE_EDGES}
            for a, targets in EDGES.items()}


def _examples(graph, component, group=lambda m: m) -> list[str]:
    members = set(component)
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                  if group(a) in members and group(b) in members and group(a) != group(b))


def test_the_import_walk_sees_imports_inside_functions():
    assert "portal.services.outbox" in EDGES["portal.jobs"]  # imported inside init_jobs
    assert "portal.api" in EDGES["portal.api.tickets"]  # `from portal.api import bp`
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_modules():
    graph = _edges_left()
    cycles = _cycles(graph)
    assert not cycles, "\n".join(", ".join(c) + ":\n  " + "\n  ".join(_examples(graph, c))
                                 for c in cycles)


def test_no_import_cycle_between_packages():
    graph = _edges_left()
    packages: dict[str, set[str]] = defaultdict(set)
    for a, targets in graph.items():
        if a == "portal":  # create_app: the composition root wires every package
            continue
        packages[_package(a)].update(_package(b) for b in targets if _package(b) != _package(a))
    cycles = _cycles(packages)
    assert not cycles, "\n".join(
        ", ".join(c) + ":\n  " + "\n  ".join(_examples(graph, c, _package)) for c in cycles)


def test_the_customer_side_never_imports_the_admin():
    """Not directly, nor through anything it imports."""
    for side in ("portal.web", "portal.api"):
        seen, todo = set(), [m for m in MODULES if _package(m) == side]
        while todo:
            module = todo.pop()
            if module in seen or module == "portal":
                continue
            seen.add(module)
            todo.extend(EDGES[module])
        assert not {m for m in seen if _package(m) == "portal.admin"}, side


def test_no_module_is_too_long():
    long = {str(path.relative_to(ROOT)): lines for path, _pkg in MODULES.values()
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert set(long) <= KNOWN_LONG_MODULES, long


def test_the_allowlists_name_what_exists():
    """An edge or module fixed (or gone) leaves the list: it only ever shrinks."""
    assert all(b in EDGES.get(a, ()) for a, b in KNOWN_CYCLE_EDGES)
    assert all(len((ROOT / path).read_text(encoding="utf-8").splitlines()) > MAX_LINES
               for path in KNOWN_LONG_MODULES if (ROOT / path).exists())
    assert all((ROOT / path).exists() for path in KNOWN_LONG_MODULES)
