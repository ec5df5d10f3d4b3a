"""Schemathesis fuzzes the customer API on a real loopback server against its own OpenAPI
document: any 5xx, undocumented status, wrong content type or body shape fails the suite.

The server runs the session's app in a thread (werkzeug's make_server on 127.0.0.1, port
0); the acme workspace (JIT on, so codes are really written and emailed) is the slug in
every path, and a real bearer token lets `/me` answer 200. Sign-in limits are raised for
the run: 429 is documented, but limits would stop the fuzzer from reaching the views.
"""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from portal.auth import app_tokens
from portal.extensions import db
from portal.services import portal_settings
from portal.tenancy import use_workspace
from tests.factories import api_token, make_account, make_contact

HANDOFF = "/workspaces/{slug}/auth/jwt"
CONFIG = """
[parameters]
"path.slug" = "acme"

[checks.positive_data_acceptance]
# A well-formed email the validator still refuses, or a well-formed but wrong code: 422.
# Switching to the token's own workspace, ending its own session, removing yourself: 409.
expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]
"""


def run_schemathesis(base_url: str, token: str, cwd: Path, *selection: str,
                     examples: int = 30) -> str:
    config = cwd / "schemathesis.toml"
    config.write_text(CONFIG)
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    result = subprocess.run(
        [cli, "--config-file", str(config), "--no-color", "run",
         f"{base_url}/api/v1/openapi.json", "--checks", "all",
         "--max-examples", str(examples), "--seed", "1", "--workers", "1",
         "--phases", "examples,coverage,fuzzing", "--request-timeout", "30",
         "--report", "har", "--report-har-path", str(cwd / "sent.har"),
         "--header", f"Authorization: Bearer {token}", *selection],
        cwd=cwd, capture_output=True, text=True, timeout=900,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    return output


def sent(har: Path) -> tuple[set, list]:
    """(ticket numbers sent in paths, JSON bodies sent) of a run's HAR report."""
    numbers, bodies = set(), []
    for entry in json.loads(har.read_text())["log"]["entries"]:
        path = urlsplit(entry["request"]["url"]).path
        match = re.search(r"/tickets/([^/]+)", path)
        if match:
            numbers.add(unquote(match.group(1)))
        if entry["request"].get("postData", {}).get("text"):
            bodies.append(entry["request"]["postData"]["text"])
    return numbers, bodies


def test_customer_api_survives_schemathesis(fuzz_server, acme, globex, tmp_path):
    """Sign-out revokes the token it is given, so it runs last with a token of its own. Both
    passes must have sent huge (2**31: PostgreSQL's integers overflow there), negative and
    non-numeric ticket numbers and bodies that are not objects: the coverage phase sends
    those boundary values whatever the number of examples. The PostgreSQL pass runs fewer
    random ones (15: 26 s there, against 67 s for 60, back to back): what it adds over the
    SQLite pass is how the database takes the same values; pass 1 runs the full 30."""
    acme.jit_provisioning = True
    portal_settings.change(acme, {"features.tickets": "public"})  # visitors' tickets too
    db.session.commit()
    # a Customer Admin of an account: the console's operations answer more than 403
    contact = make_contact(acme, "fuzz@customer.example", account=make_account(acme, "Fuzz"),
                           customer_admin=True)
    examples = 15 if db.engine.dialect.name == "postgresql" else 30
    output = run_schemathesis(fuzz_server, api_token(contact), tmp_path,
                              "--exclude-path", "/auth/sign-out", "--exclude-path", HANDOFF,
                              examples=examples)
    assert "33 selected / 35 total" in output and "Authentication failed" not in output, output
    numbers, bodies = sent(tmp_path / "sent.har")
    assert str(2**31) in numbers, sorted(numbers)  # one more than PostgreSQL's integer
    assert any(n.startswith("-") for n in numbers), sorted(numbers)
    assert any(not n.lstrip("-").isdigit() for n in numbers), sorted(numbers)
    assert {"null", "[]"} & set(bodies) and any(b.startswith('"') for b in bodies), bodies[:20]
    output = run_schemathesis(fuzz_server, api_token(contact), tmp_path,
                              "--include-path", "/auth/sign-out")
    assert "1 selected / 35 total" in output, output


def test_the_jwt_hand_off_survives_schemathesis(fuzz_server, acme, globex, tmp_path):
    """The hand-off takes the host application's token, not a customer's: a run of its own
    with one (the hand-off on, JIT on: valid bodies answer 200)."""
    acme.jit_provisioning = acme.sign_in_jwt = True
    db.session.commit()
    with use_workspace(acme.id):
        _row, secret = app_tokens.create(acme, "fuzzer")
    output = run_schemathesis(fuzz_server, secret, tmp_path, "--include-path", HANDOFF)
    assert "1 selected / 35 total" in output and "Authentication failed" not in output, output
