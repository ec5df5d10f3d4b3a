"""The admin package has no import cycle: view modules import their base classes and the
services, and only portal.admin.registry imports the view modules (imports inside
functions count too: a lazy import only hides a cycle)."""

import ast
from pathlib import Path

import portal.admin

ADMIN = Path(portal.admin.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ADMIN).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


def admin_imports() -> dict[str, set[str]]:
    """module -> the portal.admin modules it imports, as dotted names below portal.admin
    (`kb.articles`; a subpackage's `__init__` is the subpackage's name). The package's own
    `__init__`, which Python runs first for any of them, is not counted as imported."""
    files = {_module_name(path): path for path in ADMIN.rglob("*.py")}
    known = set(files) - {"__init__"}

    def resolve(dotted: str) -> str | None:
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            if ".".join(parts[:end]) in known:
                return ".".join(parts[:end])
        return None

    graph = {}
    for name, path in files.items():
        targets = []
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "portal.admin"):
                below = node.module.removeprefix("portal.admin").lstrip(".")
                targets += [f"{below}.{a.name}".lstrip(".") for a in node.names]
                targets.append(below)
            elif isinstance(node, ast.Import):
                targets += [a.name.removeprefix("portal.admin.") for a in node.names
                            if a.name.startswith("portal.admin.")]
        graph[name] = {found for t in targets if t and (found := resolve(t))} - {name}
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
