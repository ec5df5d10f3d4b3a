"""Schemathesis fuzzes the staff REST API (tickets, articles, directories, accounts,
contacts, groups) on a real loopback server against its OpenAPI document, with an admin's
JWT and `X-Workspace`.

The document is generated from the schemas the API parses its input with, so every check
runs: no 5xx, every status, content type and (for our own views) body as documented, and
every value the document calls invalid refused. The coverage phase sends each parameter's
boundary and wrong-type values (2**31, -1, a number for a slug, ...); fuzzing adds random
ones. FAB's own model views (accounts, contacts, groups) keep FAB's response descriptions
and routing (PUT/DELETE on `/<pk>` also match `/_info` and negative ids), so they run
separately without the checks about those. PostgreSQL pass only: there ids overflow at
2**31, not 2**63 as on SQLite (test_api_bad_input.py covers both databases)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tickets_helpers import make_desk

CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "400", "401", "403", "404", "409", "422"]
"""
OURS = "^/api/v1/(ticket|article|directory|portal-settings|app-tokens|webhook)/"
FABS = "^/api/v1/(account|contact|group)/"
FAB_ROUTING = "response_schema_conformance,status_code_conformance,unsupported_method," \
              "allow_header_conformance"


def fuzz(base_url: str, headers: dict, cwd: Path, *selection: str) -> str:
    config = cwd / "schemathesis.toml"
    config.write_text(CONFIG)
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    result = subprocess.run(
        [cli, "--config-file", str(config), "--no-color", "run",
         f"{base_url}/api/v1/_openapi", "--checks", "all",
         "--phases", "examples,coverage,fuzzing", "--max-examples", "5", "--seed", "1",
         "--workers", "1", "--request-timeout", "10",
         "--header", f"Authorization: {headers['Authorization']}",
         "--header", f"X-Workspace: {headers['X-Workspace']}", *selection],
        cwd=cwd, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-12000:]
    return output


@pytest.mark.postgres
def test_staff_api_survives_schemathesis(fuzz_server, api, acme, globex, tmp_path):
    make_desk(acme, globex)
    _client, headers = api("admin", acme)
    output = fuzz(fuzz_server, headers, tmp_path, "--include-path-regex", OURS)
    assert "Selected: 44/" in output, output[-3000:]
    output = fuzz(fuzz_server, headers, tmp_path, "--include-path-regex", FABS,
                  "--exclude-checks", FAB_ROUTING)
    assert "Selected: 18/" in output, output[-3000:]


def test_every_staff_api_route_is_fuzzed(app):
    """The fuzzed paths cover every staff API route of the URL map: a new resource must be
    added to OURS or FABS (and the counts above) to be tested."""
    import re

    staff = {rule.rule for rule in app.url_map.iter_rules()
             if rule.endpoint.split(".")[0].endswith("Api")
             and not rule.rule.startswith(("/api/v1/security/", "/api/v1/menu/"))
             and rule.rule.startswith("/api/v1/")}
    assert staff and all(re.match(OURS, path) or re.match(FABS, path) for path in staff), \
        sorted(staff)
    methods = sum(len(rule.methods - {"HEAD", "OPTIONS"}) for rule in app.url_map.iter_rules()
                  if rule.rule in staff)
    assert methods == 44 + 18
