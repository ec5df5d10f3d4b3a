"""`flask --app app portal ...`: set-up, demo data, staff, worker, outbox, translations."""

from pathlib import Path

import click
from flask import current_app

from portal.cli_errors import ServiceCommands
from portal.services.portal_settings_schema import ACCESS as KB_ACCESS

portal_cli = ServiceCommands("portal", help="Helpport administration commands.")


@portal_cli.command("init-db")
def init_db():
    """Migrate the database to the newest schema (Alembic) and sync staff roles."""
    from portal import database

    database.upgrade()
    click.echo("database is at the newest schema")
    if current_app.appbuilder.sm.count_users() == 0:
        click.echo("No staff account yet: `flask --app app portal seed-demo` adds the demo "
                   "workspace and its accounts, or `flask --app app portal create-staff --email "
                   "YOU@EXAMPLE.COM --password ... --role admin` makes a platform admin.")


@portal_cli.command("create-workspace")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--default-locale", default="en-US", show_default=True)
@click.option("--jit/--no-jit", default=False, help="Just-in-time provisioning of contacts.")
@click.option("--custom-domain", default=None)
@click.option("--kb-access", type=click.Choice(KB_ACCESS), default="private", show_default=True)
def create_workspace_cmd(slug, name, default_locale, jit, custom_domain, kb_access):
    """Create a workspace with its Customer Admins group."""
    from portal.services import workspaces

    ws = workspaces.create_workspace(slug, name, default_locale=default_locale,
                                     jit_provisioning=jit, custom_domain=custom_domain,
                                     kb_access=kb_access)
    click.echo(f"created workspace {ws.slug} (id {ws.id})")


@portal_cli.command("create-staff")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", type=click.Choice(["admin", "agent"]), required=True)
@click.option("--workspace", "workspace_slug", default=None,
              help="Workspace slug; an admin without one is a platform admin.")
@click.option("--name", default=None)
def create_staff_cmd(email, password, role, workspace_slug, name):
    """Create (or update) a staff user and add them to a workspace."""
    from portal.services import staff

    user, created = staff.create_staff(email, password, role, workspace_slug, name=name)
    click.echo(f"{'created' if created else 'updated'} staff {user.email} ({role})")


@portal_cli.command("seed-demo")
def seed_demo_cmd():
    """Create (or refresh) the demo workspace `demo` with sample customers and staff."""
    from portal.services import demo

    summary = demo.seed()
    for line in summary:
        click.echo(line)


@portal_cli.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
@click.option("--queue", "queues", multiple=True, help="Queues (default: high, default, low).")
def worker_cmd(burst, queues):
    """Run an RQ worker for the queues high, default and low (with the outbox sweep); it
    waits out Redis outages and carries on when Redis is back."""
    from portal.jobs import supervisor
    from portal.jobs.tasks import periodic
    from portal.jobs.worker import AppWorker, make_worker

    app = current_app._get_current_object()
    if not burst:
        supervisor.run(app, queues or None)
        return
    periodic()
    make_worker(app, AppWorker, queues or None).work(burst=True)


@portal_cli.command("sweep-outbox")
def sweep_outbox_cmd():
    """Write due ticket notifications, then enqueue every unsent email that is due (the
    worker does this periodically)."""
    from portal.jobs.tasks import sweep_outbox
    from portal.services import notifications

    written = notifications.send_due()
    click.echo(f"wrote {written} notification email(s); enqueued {sweep_outbox()} email(s)")


@portal_cli.command("outbox")
@click.argument("message_id", required=False, type=int)
@click.option("--limit", default=20, show_default=True)
def outbox_cmd(message_id, limit):
    """List the newest emails, or show one by id (with the file outbox, its .eml text)."""
    from portal.services import outbox_reader

    if message_id is None:
        for line in outbox_reader.listing(limit):
            click.echo(line)
        return
    text = outbox_reader.show(message_id)
    if text is None:
        raise click.ClickException(f"no email with id {message_id}")
    click.echo(text)


@portal_cli.command("import-articles")
@click.option("--workspace", "workspace_slug", required=True, help="Workspace slug.")
@click.option("--status", type=click.Choice(["draft", "published"]), default="draft",
              show_default=True)
@click.option("--visibility", type=click.Choice(["public", "verified", "admins"]),
              default="public", show_default=True, help="Who may read the articles.")
@click.option("--locale", default="en-US", show_default=True)
@click.option("--directory", default=None, help="Put the articles in this directory.")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
def import_articles_cmd(workspace_slug, status, visibility, locale, directory, paths):
    """Import .html, .htm, .md and .txt files (directories are walked) as native articles;
    the same file name (without its extension) again updates its article."""
    from tqdm import tqdm

    from portal.i18n import SUPPORTED
    from portal.services import article_import, workspaces
    from portal.tenancy import use_workspace

    ws = workspaces.by_slug(workspace_slug)
    if ws is None:
        raise click.ClickException(f"no workspace {workspace_slug}")
    if locale not in SUPPORTED:
        raise click.ClickException(f"unsupported locale {locale}")
    with use_workspace(ws.id):
        summary = article_import.import_paths(
            ws, paths, status=status, audience=visibility, locale=locale, directory=directory,
            progress=lambda files: tqdm(files, desc="importing", unit="file"))
    click.echo(summary.line())
    for path, reason in summary.rejected:
        click.echo(f"rejected {path}: {reason}")


@portal_cli.command("reindex")
@click.option("--workspace", "workspace_slug", required=True, help="Workspace slug.")
def reindex_cmd(workspace_slug):
    """Rebuild the workspace's knowledge-base search indexes now (one per locale)."""
    from sqlalchemy import select
    from tqdm import tqdm

    from portal.extensions import db
    from portal.models import Workspace
    from portal.search import build

    ws = db.session.scalar(select(Workspace).where(Workspace.slug == workspace_slug))
    if ws is None:
        raise click.ClickException(f"no workspace with slug {workspace_slug!r}")
    with tqdm(total=build.steps(ws), unit="doc", desc=f"indexing {ws.slug}") as bar:
        built = build.rebuild_workspace(ws.id, progress=bar.update)
    click.echo(f"built {built} index(es) for {ws.slug}: "
               f"{build.published_count(ws.id)} published article(s)")


from portal.i18n_cli import i18n_cli  # noqa: E402

portal_cli.add_command(i18n_cli)

from portal.storage_cli import storage_cli  # noqa: E402

portal_cli.add_command(storage_cli)

from portal.app_token_cli import app_token_cli  # noqa: E402

portal_cli.add_command(app_token_cli)

from portal.identity_cli import identity_cli  # noqa: E402

portal_cli.add_command(identity_cli)
