"""Only portal.admin.registry imports the admin's page modules: view modules import their
base classes and the services (imports inside functions count too). Cycles in general:
tests/unit/test_architecture.py."""

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


def test_only_the_registry_imports_page_modules():
    pages = {"people", "people_api", "workspaces", "tickets", "tickets_api", "form_builder"}
    importers = {name for name, imported in admin_imports().items() if imported & pages}
    assert importers <= {"registry"}
