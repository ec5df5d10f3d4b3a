"""`flask --app app portal storage ...`: moving uploaded files into object storage."""

import click
from flask import current_app
from flask.cli import AppGroup

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
    from portal.storage.migrate import copy_files, stored_files

    target = get_storage()
    if isinstance(target, LocalStorage):
        raise click.ClickException("STORAGE_BACKEND is local: set PORTAL_STORAGE_BACKEND=s3 "
                                   "and the STORAGE_S3_* settings first")
    source = LocalStorage(from_dir or current_app.config["UPLOAD_DIR"])
    counts = copy_files(source, target, stored_files(), delete_local=delete_local,
                        progress=lambda items: tqdm(items, desc="copying", unit="file"))
    click.echo(f"copied {counts['copied']}, already stored {counts['present']}, "
               f"missing locally {counts['missing']}")
