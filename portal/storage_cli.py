"""`flask --app app portal storage ...`: moving uploaded files into object storage.

A command module beside portal.storage, not in it: it reads which files the database
refers to (services), and the storage package stays below the services that use it."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Attachment
from portal.services import article_files

storage_cli = AppGroup("storage", help="Where attachments and article files are stored.")


@storage_cli.command("migrate")
@click.option("--from-dir", "from_dir", default=None,
              help="The local directory to copy from (default: UPLOAD_DIR).")
@click.option("--delete-local", is_flag=True,
              help="Remove each local file once its copy is stored (and checked).")
def migrate_cmd(from_dir, delete_local):
    """Copy every attachment and uploaded article file from the local directory into the
    configured storage (STORAGE_BACKEND=s3). Files already there are skipped: run it before
    switching the web instances over, and once more after."""
    from tqdm import tqdm

    from portal.storage import get_storage
    from portal.storage.local import LocalStorage
    from portal.storage.migrate import copy_files

    target = get_storage()
    if isinstance(target, LocalStorage):
        raise click.ClickException("STORAGE_BACKEND is local: set PORTAL_STORAGE_BACKEND=s3 "
                                   "and the STORAGE_S3_* settings first")
    source = LocalStorage(from_dir or current_app.config["UPLOAD_DIR"])
    counts = copy_files(source, target, stored_files(), delete_local=delete_local,
                        progress=lambda items: tqdm(items, desc="copying", unit="file"))
    click.echo(f"copied {counts['copied']}, already stored {counts['present']}, "
               f"missing locally {counts['missing']}")


def stored_files() -> list[tuple[str, str]]:
    """(key, content type) of every stored file of every workspace."""
    found = [(f"{ws_id}/{key}", kind) for ws_id, key, kind in db.session.execute(
        select(Attachment.workspace_id, Attachment.storage_key, Attachment.content_type)
        .order_by(Attachment.id).execution_options(all_workspaces=True))]
    found += [(article_files.storage_key(ws_id, key), kind or "application/octet-stream")
              for ws_id, key, kind in db.session.execute(
                  select(Article.workspace_id, Article.file_key, Article.file_type)
                  .where(Article.file_key.is_not(None))
                  .order_by(Article.id).execution_options(all_workspaces=True))]
    return found


@storage_cli.command("check")
def check_cmd():
    """Write, read back and remove a small probe file in the configured storage: run it
    after setting STORAGE_* (it fails with what the storage answered)."""
    import uuid

    from portal.storage import get_storage

    storage = get_storage()
    key = f"probe/{uuid.uuid4().hex}"
    data = b"helpport storage probe"
    try:
        storage.put(key, data, "text/plain")
        with storage.open(key) as stored:
            same = stored.read() == data
        storage.delete(key)
    except Exception as exc:  # an operator's check: say what failed, whatever it was
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from None
    if not same or storage.exists(key):
        raise click.ClickException("the probe file did not read back or was not removed")
    click.echo(f"storage {storage.name} works: wrote, read and removed {key}")
