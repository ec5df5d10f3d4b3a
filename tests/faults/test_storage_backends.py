"""Both storage backends through one interface, the settings they refuse, and moving local
files into object storage with `flask portal storage migrate`."""

import os
from io import BytesIO
from pathlib import Path

import pytest

from config import ConfigError, TestingConfig
from portal.extensions import db
from portal.services import article_files, article_uploads, articles, attachments
from portal.storage import FileMissing, content_disposition, get_storage, make_storage
from portal.storage.local import LocalStorage
from portal.tenancy import use_workspace
from tests.factories import make_contact
from tests.s3_server import (  # noqa: F401
    close_instance,
    instance_config,
    object_names,
    s3_server,
)
from tests.tickets_helpers import open_ticket

DATA = os.urandom(200_000)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    settings = request.getfixturevalue("s3_server")
    defaults = {name: getattr(TestingConfig, name) for name in dir(TestingConfig)}
    return make_storage({**defaults, **settings})


def test_both_backends_store_read_seek_and_delete(storage, app):
    key = f"9/{os.urandom(8).hex()}"
    assert not storage.exists(key)
    storage.put(key, DATA, "application/zip")
    storage.put(key + "-copy", BytesIO(DATA), "application/zip")  # a file object too
    assert storage.exists(key) and storage.size(key) == storage.size(key + "-copy") == len(DATA)
    with storage.open(key) as stored:
        assert stored.read() == DATA
        stored.seek(150_000)
        assert stored.read(10) == DATA[150_000:150_010]
        assert stored.tell() == 150_010
    assert storage.delete(key) and not storage.exists(key)
    with pytest.raises(FileMissing):
        storage.open(key)
    with pytest.raises(FileMissing):
        storage.size(key)
    with pytest.raises(FileMissing):
        storage.download_response(key, filename="a.zip", content_type="application/zip",
                                  as_attachment=True)


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "", "a/./b", "a\\b",
                                 "kb/1/x.y"])
def test_keys_outside_the_layout_are_refused(storage, key):
    with pytest.raises(ValueError):
        storage.put(key, b"x", "text/plain")
    with pytest.raises(ValueError):
        storage.exists(key)


@pytest.mark.parametrize("settings, says", [
    ({"STORAGE_BACKEND": "disk"}, "PORTAL_STORAGE_BACKEND"),
    ({"STORAGE_BACKEND": "s3"}, "PORTAL_STORAGE_S3_BUCKET"),
    ({"STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": "b", "STORAGE_S3_ADDRESSING_STYLE": "x"},
     "ADDRESSING_STYLE"),
    ({"STORAGE_BACKEND": "s3", "STORAGE_S3_BUCKET": "b", "STORAGE_S3_URL_SECONDS": 0},
     "URL_SECONDS"),
])
def test_the_app_refuses_to_start_with_unusable_storage_settings(make_app, settings, says):
    config = type("Config", (TestingConfig,), settings)
    with pytest.raises(ConfigError, match=says):
        make_app(config)


def test_content_disposition_matches_what_streaming_sends():
    assert content_disposition("a.txt", True) == "attachment; filename=a.txt"
    assert content_disposition("my file.png", False) == 'inline; filename="my file.png"'
    assert content_disposition("Ärger€.pdf", True) == (
        "attachment; filename=Arger.pdf; filename*=UTF-8''%C3%84rger%E2%82%AC.pdf")


def test_migrate_copies_local_files_into_object_storage_once(app, make_app, acme, s3_server):  # noqa: F811
    """The session app stores on its disk; an s3 app on the same database and directory
    copies what the rows refer to, skips what is there, and can remove the local copies."""
    ticket = open_ticket(acme, make_contact(acme))
    with use_workspace(acme.id):
        (att,) = attachments.store(ticket, attachments.check_all(acme, [("log.txt", b"l\n")]))
        article = article_uploads.save_file(acme, "manual.txt", b"Reset the router.",
                                            locale="en-US")
        keys = [attachments.file_key(att), article_files.storage_key(acme.id, article.file_key)]
    local = get_storage()
    assert all(local.exists(key) for key in keys)
    refused = app.test_cli_runner().invoke(args=["portal", "storage", "migrate"])
    assert refused.exit_code != 0 and "STORAGE_BACKEND is local" in refused.output

    other = make_app(instance_config(app, app.config["UPLOAD_DIR"], **s3_server))
    try:
        runner = other.test_cli_runner()
        with other.app_context():  # else the commands would run in the session app's
            first = runner.invoke(args=["portal", "storage", "migrate"])
        assert first.exit_code == 0, first.output
        assert "copied 2, already stored 0, missing locally 0" in first.output
        assert {s3_server["STORAGE_S3_PREFIX"] + key for key in keys} <= object_names(s3_server)
        with other.app_context():
            again = runner.invoke(args=["portal", "storage", "migrate", "--delete-local"])
        assert "copied 0, already stored 2" in again.output
        assert not any(local.exists(key) for key in keys)
        with other.app_context():
            with get_storage().open(keys[1]) as stored:
                assert stored.read() == b"Reset the router."
        assert not any(Path(app.config["UPLOAD_DIR"]).rglob(article.file_key))
    finally:
        close_instance(other)


def test_storage_check_writes_reads_and_removes_a_probe(app, make_app, s3_server, tmp_path):  # noqa: F811
    assert "storage local works" in app.test_cli_runner().invoke(
        args=["portal", "storage", "check"]).output
    for settings, says in (({}, "storage s3 works"),
                           ({"STORAGE_S3_BUCKET": "no-such-bucket"}, "Error")):
        other = make_app(instance_config(app, tmp_path, **{**s3_server, **settings}))
        try:
            with other.app_context():
                result = other.test_cli_runner().invoke(args=["portal", "storage", "check"])
        finally:
            close_instance(other)
        assert says in result.output and (result.exit_code == 0) == (not settings)
    assert not any(name.startswith("hp/probe/") for name in object_names(s3_server))


def test_a_replaced_or_deleted_original_goes_only_once_the_change_is_committed(acme):
    storage = get_storage()
    with use_workspace(acme.id):
        article = article_uploads.save_file(acme, "v1.txt", b"first", locale="en-US")
        first = article_files.storage_key(acme.id, article.file_key)
        article_uploads.save_file(acme, "v2.txt", b"second", article=article, locale="en-US")
        second = article_files.storage_key(acme.id, article.file_key)
        assert not storage.exists(first) and storage.exists(second)  # the upload committed
        article_files.remove_after_commit(acme.id, article.file_key)
        db.session.rollback()
        assert storage.exists(second)  # the change that would remove it was rolled back
        articles.delete_article(acme, article)
        assert not storage.exists(second)
