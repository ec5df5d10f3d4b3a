"""`flask --app app portal identity-provider ...`: a workspace's SAML identity providers."""

from pathlib import Path

import click

from portal.cli_errors import ServiceCommands
from portal.extensions import db
from portal.services import identity_providers, workspaces
from portal.tenancy import use_workspace

identity_cli = ServiceCommands("identity-provider",
                               help="SAML identity providers of a workspace.")


def _workspace(slug: str):
    ws = workspaces.by_slug(slug)
    if ws is None:
        raise click.ClickException(f"no workspace {slug!r}")
    return ws


@identity_cli.command("add")
@click.option("--workspace", "slug", required=True)
@click.option("--name", required=True)
@click.option("--metadata", required=True,
              help="The IdP's metadata: a file path, or an http(s) URL to fetch it from.")
@click.option("--preset", type=click.Choice(sorted(identity_providers.PRESETS)),
              default="custom", show_default=True)
@click.option("--idp-initiated/--no-idp-initiated", default=False,
              help="Accept sign-ins started at the identity provider.")
@click.option("--signed-response/--unsigned-response", default=True, show_default=True,
              help="Refuse responses the identity provider did not sign.")
@click.option("--signed-assertions/--unsigned-assertions", default=True, show_default=True,
              help="Refuse assertions the identity provider did not sign.")
@click.option("--domains", default="",
              help="The email domains it may sign in, comma-separated (none: any).")
def add_cmd(slug, name, metadata, preset, idp_initiated, signed_response, signed_assertions,
            domains):
    """Add an identity provider (and turn SAML sign-in on for the workspace)."""
    from portal.auth.saml import sp_urls

    ws = _workspace(slug)
    source = {"metadata_url": metadata} if metadata.startswith(("http://", "https://")) \
        else {"metadata_xml": _read(metadata)}
    with use_workspace(ws.id):
        # the operator's URL may be on this machine or network, unlike an admin's
        idp = identity_providers.add(
            ws, name, preset=preset, allow_idp_initiated=idp_initiated,
            want_response_signed=signed_response, want_assertions_signed=signed_assertions,
            email_domains=domains, private_hosts=True, **source)
        ws.sign_in_saml = True
        db.session.commit()
        click.echo(f"added identity provider {idp.name} ({idp.entity_id}) to {ws.slug}")
        click.echo(f"service provider metadata: {sp_urls(ws)['entity_id']}")
        for unlimited in identity_providers.unlimited(ws):
            click.echo(f"warning: {unlimited.name} may sign in any email domain "
                       "(give each identity provider --domains)", err=True)


def _read(path: str) -> str:
    file = Path(path)
    if not file.is_file():
        raise click.ClickException(f"no such file: {path}")
    return file.read_text(encoding="utf-8", errors="replace")


@identity_cli.command("list")
@click.option("--workspace", "slug", required=True)
def list_cmd(slug):
    """The workspace's identity providers: name, preset, state, entity id, email domains
    (`any` when it has none)."""
    ws = _workspace(slug)
    with use_workspace(ws.id):
        found = identity_providers.listed(ws)
        if not found:
            click.echo(f"{ws.slug} has no identity provider")
        for idp in found:
            state = "enabled" if idp.enabled else "disabled"
            domains = ",".join(idp.email_domains or []) or "any"
            click.echo(f"{idp.name}\t{idp.preset}\t{state}\t{idp.entity_id}\t{domains}")
