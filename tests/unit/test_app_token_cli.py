"""`flask portal app-token create|list|revoke`: the secret is printed once, by create, and
only its digest is stored; the token it prints works for the hand-off until revoked."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import AppToken
from portal.tenancy import use_workspace
from tests.factories import make_contact


def cli(runner, *args):
    return runner.invoke(args=["portal", "app-token", *args])


def test_create_prints_the_secret_once_and_list_never(runner, client, acme, globex):
    make_contact(acme, "pat@customer.example")
    acme.sign_in_jwt = True
    db.session.commit()
    result = cli(runner, "create", "--workspace", "acme", "--name", "Main site")
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("hpat_") and len(secret) > 40
    assert "shown only this once" in result.output
    with use_workspace(acme.id):
        row = db.session.scalar(select(AppToken))
        assert row.name == "Main site" and secret not in row.token_hash
    listed = cli(runner, "list", "--workspace", "acme")
    assert listed.exit_code == 0 and "Main site" in listed.output and "active" in listed.output
    assert secret not in listed.output and secret[5:20] not in listed.output
    assert "no application tokens" in cli(runner, "list", "--workspace", "globex").output

    again = cli(runner, "create", "--workspace", "acme", "--name", "Main site")
    assert again.exit_code == 1 and "exists already" in again.output

    answer = client.post("/api/v1/workspaces/acme/auth/jwt", json={
        "email": "pat@customer.example"}, headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200, answer.text
    db.session.rollback()  # the test's session forgets what it read (a real CLI is a new process)
    listed = cli(runner, "list", "--workspace", "acme").output
    assert "last used -" not in listed

    revoked = cli(runner, "revoke", "--workspace", "acme", "--name", "Main site")
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in cli(runner, "list", "--workspace", "acme").output
    answer = client.post("/api/v1/workspaces/acme/auth/jwt", json={
        "email": "pat@customer.example"}, headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 401


def test_unknown_workspace_or_name_fails_cleanly(runner, acme):
    result = cli(runner, "create", "--workspace", "nope", "--name", "x")
    assert result.exit_code == 1 and "no workspace" in result.output
    result = cli(runner, "revoke", "--workspace", "acme", "--name", "missing")
    assert result.exit_code == 1 and "No such application token" in result.output
    result = cli(runner, "create", "--workspace", "acme", "--name", "   ")
    assert result.exit_code == 1 and "name of 1 to 100" in result.output


def test_the_group_on_its_own_turns_refusals_into_messages(runner, acme):
    """Not only under `flask portal`: the group itself answers a refusal with its message
    and exit status 1 (portal.cli_errors), never a traceback."""
    from portal.app_token_cli import app_token_cli

    assert runner.invoke(app_token_cli, ["create", "--workspace", "acme", "--name", "A"]
                         ).exit_code == 0
    for args, message in ((["create", "--name", "A"], "exists already"),
                          (["create", "--name", " "], "name of 1 to 100"),
                          (["revoke", "--name", "missing"], "No such application token")):
        result = runner.invoke(app_token_cli, [*args, "--workspace", "acme"])
        assert result.exit_code == 1 and message in result.output, result.output
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
