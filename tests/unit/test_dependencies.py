"""Dependencies earn their place: every runtime dependency in pyproject.toml is imported by
the application (or named here with the reason it is needed without an import), and
services print nothing (no progress bars or terminal output: the CLI wraps them)."""

import ast
import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_FILES = [*sorted((ROOT / "portal").rglob("*.py")), ROOT / "app.py",
             ROOT / "config" / "__init__.py"]
# dependencies no line of ours imports, and why they are still needed
WITHOUT_IMPORT = {
    "marshmallow-sqlalchemy": "pinned below the version Flask-AppBuilder breaks with",
    "psycopg": "SQLAlchemy's PostgreSQL driver, chosen by DATABASE_URL",
    "gunicorn": "the web server (gunicorn.conf.py)",
}
TERMINAL_OUTPUT = {"tqdm", "click"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def imports(path: Path) -> set[str]:
    """Top-level module names `path` imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_every_dependency_is_used():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonical(re.match(r"[A-Za-z0-9_.-]+", spec).group())
                for spec in project["dependencies"]}
    by_module = importlib.metadata.packages_distributions()
    modules = set().union(*(imports(path) for path in APP_FILES))
    used = {canonical(dist) for module in modules for dist in by_module.get(module, [])}
    unused = declared - used - set(WITHOUT_IMPORT)
    assert not unused, (f"dependencies nothing imports (remove them, or say in WITHOUT_IMPORT "
                        f"why they are needed): {sorted(unused)}")
    assert set(WITHOUT_IMPORT) <= declared


def test_services_print_nothing():
    for path in sorted((ROOT / "portal" / "services").rglob("*.py")):
        found = imports(path) & TERMINAL_OUTPUT
        assert not found, f"{path.name} imports {found}: take a progress callback instead"
