"""Rows remembered until the next commit to the SQLite file (portal.sqlite_changes), and
the workspace lookup that uses them: a commit by any connection is seen at once."""

import sqlite3
import threading

from sqlalchemy import update

from portal.extensions import db
from portal.models import Workspace
from portal.services import workspaces
from portal.sqlite_changes import Changes
from tests.web.helpers import Statements


def _file(tmp_path):
    path = tmp_path / "watched.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("CREATE TABLE t (x INTEGER)")
    return str(path), writer


def test_a_value_is_kept_until_any_connection_commits(tmp_path):
    path, writer = _file(tmp_path)
    changes, reads = Changes(path), []

    def read():
        reads.append(1)
        return writer.execute("SELECT count(*) FROM t").fetchone()[0]

    assert changes.remembered("n", read) == 0
    assert changes.remembered("n", read) == 0
    assert len(reads) == 1
    writer.execute("INSERT INTO t VALUES (1)")  # autocommit: another connection commits
    assert changes.remembered("n", read) == 1
    assert changes.remembered("n", read) == 1
    assert len(reads) == 2
    writer.execute("BEGIN")
    writer.execute("INSERT INTO t VALUES (2)")
    assert changes.remembered("n", read) == 1  # not committed: nothing changed for others
    writer.execute("COMMIT")
    assert changes.remembered("n", read) == 2
    assert len(reads) == 3


def test_each_thread_asks_on_its_own_connection(tmp_path):
    path, writer = _file(tmp_path)
    changes, answers = Changes(path), []
    changes.remembered("n", lambda: "main thread")

    def other():
        answers.append(changes.remembered("n", lambda: "other thread"))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert answers == ["other thread"]  # its own connection: the main thread's stamp is not its
    assert changes.remembered("n", lambda: "again") == "main thread"


def test_a_replaced_file_is_noticed_and_a_missing_one_reads_every_time(tmp_path):
    path, writer = _file(tmp_path)
    changes = Changes(path)
    assert changes.remembered("n", lambda: "old file") == "old file"
    writer.close()
    replacement = tmp_path / "new.db"
    sqlite3.connect(replacement).close()
    replacement.replace(path)  # a restore: same name, another file, no commit seen
    assert changes.remembered("n", lambda: "new file") == "new file"
    (tmp_path / "watched.db").unlink()
    assert changes.stamp() is None
    assert changes.remembered("n", lambda: "read") == "read"
    assert changes.remembered("n", lambda: "read again") == "read again"


def _fresh_lookup(slug):
    db.session.remove()
    with Statements() as seen:
        ws = workspaces.by_slug(slug)
    return ws, seen.count()


def test_the_workspace_lookup_reads_again_after_any_commit(app, acme):
    watched = app.extensions.get("sqlite_changes") is not None  # a SQLite file; not PostgreSQL
    name = acme.name
    _fresh_lookup("acme")
    ws, statements = _fresh_lookup("acme")
    assert ws.name == name
    assert statements == (0 if watched else 1)
    with db.engine.begin() as other:  # another connection, as another worker would
        other.execute(update(Workspace).where(Workspace.slug == "acme").values(name="Renamed"))
    ws, statements = _fresh_lookup("acme")
    assert (ws.name, statements) == ("Renamed", 1)
    ws.settings["changed"] = "in place"  # never reaches what the next lookup gets
    ws.enabled_locales.append("xx")
    again, _statements = _fresh_lookup("acme")
    assert "changed" not in again.settings and "xx" not in again.enabled_locales
    assert workspaces.by_slug("nope") is None


def test_inside_a_transaction_the_lookup_sees_its_own_changes(app, acme):
    name = acme.name
    _fresh_lookup("acme")
    db.session.execute(update(Workspace).where(Workspace.slug == "acme").values(name="Uncommitted"))
    db.session.expunge_all()
    assert workspaces.by_slug("acme").name == "Uncommitted"
    db.session.rollback()
    ws, _statements = _fresh_lookup("acme")
    assert ws.name == name
