"""Rules of the test suite itself: test modules share helpers through helper modules
(tests/factories.py, tests/<area>/helpers.py ...), never by importing one another (a test
module imported elsewhere runs its tests' module-level code twice and ties two files' fates
together); tests that need no app boot none and are not rerun on PostgreSQL."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _is_test_module(dotted: str) -> bool:
    return dotted.rpartition(".")[2].startswith("test_")


def imported_test_modules(path: Path) -> list[str]:
    """The test modules (`test_*`) that `path` imports, in any spelling."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if _is_test_module(module):
                found.append(module)
            elif node.level or module.startswith("tests"):  # `from tests.api import test_x`
                found += [f"{module}.{alias.name}" for alias in node.names
                          if _is_test_module(alias.name)]
    return found


def test_the_scan_sees_every_spelling(tmp_path):
    source = tmp_path / "test_sample.py"
    source.write_text("import tests.api.test_fuzz\nfrom tests.admin.test_tickets import x\n"
                      "from tests.api import test_openapi\nfrom . import test_local\n"
                      "from tests.factories import make_contact\nimport testing_tools\n")
    assert imported_test_modules(source) == [
        "tests.api.test_fuzz", "tests.admin.test_tickets", "tests.api.test_openapi",
        ".test_local"]


def test_no_test_module_imports_another():
    offenders = {str(path.relative_to(TESTS)): found for path in sorted(TESTS.rglob("*.py"))
                 if (found := imported_test_modules(path))}
    assert not offenders, (f"move what they share into a helper module (tests/factories.py, "
                           f"tests/<area>/helpers.py): {offenders}")


def test_helper_modules_are_not_collected_as_tests():
    """A helper named test_*.py would be collected (and could hold tests by accident)."""
    for path in TESTS.rglob("test_*.py"):
        tree = ast.parse(path.read_text(), str(path))
        names = [node.name for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
        assert any(name.startswith(("test", "Test")) for name in names), (
            f"{path.relative_to(TESTS)} holds no test: name it as a helper module")


def test_a_test_without_app_fixtures_runs_outside_any_app(request):
    from flask import has_app_context

    assert not has_app_context()
    assert request.node.get_closest_marker("services") is None  # not rerun on PostgreSQL


def test_a_test_with_the_app_runs_in_its_context_and_is_marked(request, db):
    from flask import has_app_context

    assert has_app_context()
    assert request.node.get_closest_marker("services") is not None


def test_long_modules_exist_and_keep_their_order_under_xdist():
    """tests/conftest.py starts LONG_MODULES first; a renamed file would silently drop out
    of that list, and xdist's own reordering (by number of tests per file) would start the
    long ones last (scripts/run-tests.sh turns it off)."""
    from tests.conftest import LONG_MODULES

    for name in LONG_MODULES:
        assert len(list(TESTS.rglob(name))) == 1, f"LONG_MODULES: no single tests/**/{name}"
    script = (TESTS.parent / "scripts" / "run-tests.sh").read_text()
    runs = [line for line in script.splitlines() if "-m pytest" in line and "--dist" in line]
    assert runs and all("--dist loadfile --no-loadscope-reorder" in line for line in runs)


def test_bench_smoke_runs_are_not_written_for_a_server_database():
    """`bench` tests run in the first pass only, which skips `postgres` and `redis` tests:
    a test marked both would never run."""
    script = (TESTS.parent / "scripts" / "run-tests.sh").read_text()
    assert 'SECOND_PASS="' in script and "and not bench\"" in script
    for path in TESTS.rglob("test_*.py"):
        source = path.read_text()
        if "pytest.mark.bench" in source and path != Path(__file__):
            assert "pytest.mark.postgres" not in source, path
            assert "pytest.mark.redis" not in source, path


def test_the_clean_up_tracks_each_written_table_and_else_empties_them_all(monkeypatch):
    """tests/conftest.py empties only the tables a test wrote; any statement it cannot read
    as one table's INSERT/UPDATE/DELETE, or a process started (which may write the database
    unseen), means every table."""
    import subprocess
    import sys

    from tests.conftest import _Writes

    monkeypatch.setattr(_Writes, "tables", set())
    for statement in ('INSERT INTO ticket (a) VALUES (?)', 'UPDATE "contact" SET x=1',
                      "DELETE FROM outbox", 'INSERT OR REPLACE INTO "hp_x"."Account"(id)',
                      "SELECT 1", "SAVEPOINT sa_1", "RELEASE SAVEPOINT sa_1"):
        _Writes.note(None, None, statement)
    assert _Writes.tables == {"ticket", "contact", "outbox", "account"}
    _Writes.note(None, None, "WITH x AS (SELECT 1) DELETE FROM ticket")
    assert _Writes.tables is None
    monkeypatch.setattr(_Writes, "tables", set())
    _Writes.listen()  # the audit hook is there once the session app listens (idempotent)
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert _Writes.tables is None
