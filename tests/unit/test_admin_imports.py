"""The admin package has no import cycle: view modules import their base classes and the
services, and only portal.admin.registry imports the view modules (imports inside
functions count too: a lazy import only hides a cycle)."""

import ast
from pathlib import Path

import portal.admin

ADMIN = Path(portal.admin.__file__).parent


def admin_imports() -> dict[str, set[str]]:
    """module name -> the portal.admin modules it imports (not counting the package's own
    `__init__`, which Python runs first for any of them)."""
    names = {path.stem for path in ADMIN.glob("*.py")} - {"__init__"}
    graph = {}
    for name in names | {"__init__"}:
        tree = ast.parse((ADMIN / f"{name}.py").read_text())
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "portal.admin":
                found |= {alias.name for alias in node.names if alias.name in names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "portal.admin."):
                found.add(node.module.split(".")[2])
            elif isinstance(node, ast.Import):
                found |= {a.name.split(".")[2] for a in node.names
                          if a.name.startswith("portal.admin.")}
        graph[name] = found - {name}
    return graph


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt] if nxt in path else [node, nxt]
            if nxt not in state:
                found = visit(nxt, [*path, nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_cycle_finder_finds_one():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) is None


def test_admin_package_has_no_import_cycle():
    assert cycle_in(admin_imports()) is None


def test_only_the_registry_imports_page_modules():
    pages = {"people", "people_api", "workspaces", "tickets", "tickets_api", "form_builder"}
    importers = {name for name, imported in admin_imports().items() if imported & pages}
    assert importers <= {"registry"}
