"""Schemathesis fuzzes the staff REST API (tickets, articles, directories, accounts,
contacts, groups) on a real loopback server against FAB's OpenAPI document, with an admin's
JWT and `X-Workspace`. The check is "no server error": FAB's generated document does not
list every 4xx its views give, but no input may make one fail with a 5xx. It runs in the
PostgreSQL pass only (about a minute): there ids overflow at 2**31, not 2**63 as on SQLite."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.admin.test_tickets import make_desk
from tests.api.test_fuzz import live_server  # noqa: F401  (the fixture)

CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409", "422"]
"""
PATHS = "^/api/v1/(ticket|article|directory|account|contact|group)/"


@pytest.mark.postgres
def test_staff_api_gives_no_server_error(live_server, api, acme, globex, tmp_path):  # noqa: F811
    make_desk(acme, globex)
    _client, headers = api("admin", acme)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    result = subprocess.run(
        [cli, "--config-file", str(config), "--no-color", "run",
         f"{live_server}/api/v1/_openapi", "--checks", "not_a_server_error",
         "--max-examples", "10", "--seed", "1", "--workers", "1", "--request-timeout", "10",
         "--header", f"Authorization: {headers['Authorization']}",
         "--header", f"X-Workspace: {headers['X-Workspace']}",
         "--include-path-regex", PATHS],
        cwd=tmp_path, capture_output=True, text=True, timeout=400)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "Selected: 42/" in output, output[-3000:]  # every staff operation was reached
