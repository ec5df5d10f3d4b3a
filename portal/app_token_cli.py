"""`flask --app app portal app-token ...`: a workspace's application access tokens for the
JWT hand-off (portal.auth.app_tokens). `create` prints the secret once; nothing prints it
again."""

import click
from sqlalchemy import select

from portal.auth import app_tokens
from portal.cli_errors import ServiceCommands
from portal.extensions import db
from portal.models import Workspace
from portal.tenancy import use_workspace

app_token_cli = ServiceCommands("app-token", help="Application tokens for the JWT hand-off.")
WORKSPACE = click.option("--workspace", "workspace_slug", required=True, help="Workspace slug.")


def _workspace(slug: str) -> Workspace:
    ws = db.session.scalar(select(Workspace).where(Workspace.slug == slug))
    if ws is None:
        raise click.ClickException(f"no workspace with slug {slug!r}")
    return ws


def _moment(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


@app_token_cli.command("create")
@WORKSPACE
@click.option("--name", required=True, help="A name unique in the workspace.")
def create_cmd(workspace_slug, name):
    """Create a token and print its secret, once: store it in the host application."""
    ws = _workspace(workspace_slug)
    with use_workspace(ws.id):
        row, secret = app_tokens.create(ws, name, created_by="command line")
    click.echo(f"created application token {row.name!r} for {ws.slug}; it is shown only "
               "this once:")
    click.echo(secret)


@app_token_cli.command("list")
@WORKSPACE
def list_cmd(workspace_slug):
    """The workspace's tokens: name, created, last used, revoked (never the secrets)."""
    ws = _workspace(workspace_slug)
    with use_workspace(ws.id):
        rows = app_tokens.listing(ws)
    if not rows:
        click.echo(f"no application tokens in {ws.slug}")
    for row in rows:
        state = f"revoked {_moment(row.revoked_at)}" if row.revoked_at else "active"
        click.echo(f"{row.name}\tcreated {_moment(row.created_at)}\t"
                   f"last used {_moment(row.last_used_at)}\t{state}")


@app_token_cli.command("revoke")
@WORKSPACE
@click.option("--name", required=True)
def revoke_cmd(workspace_slug, name):
    """Refuse the token from now on."""
    ws = _workspace(workspace_slug)
    with use_workspace(ws.id):
        app_tokens.revoke(ws, app_tokens.by_name(ws, name))
    click.echo(f"revoked application token {name!r} of {ws.slug}")
