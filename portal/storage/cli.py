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
