"""Article and directory services commit once per action: what they saved survives a
rollback by the caller, and the non-committing `articles.write` (a step of a larger
action) does not."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Directory
from portal.services import article_uploads, articles, directories
from portal.services.errors import Conflict, Invalid
from portal.tenancy import use_workspace


def stored(model, ws) -> list:
    db.session.expire_all()
    with use_workspace(ws.id):
        return list(db.session.scalars(select(model).order_by(model.id)))


def test_each_action_is_committed_by_the_service(acme):
    with use_workspace(acme.id):
        folder = directories.save_directory(acme, names={"en-US": "Guides"})
        article = articles.save(acme, locale="en-US", title="Reset a password", body="x",
                                directory_id=folder.id)
        db.session.rollback()
        articles.set_status(acme, articles.get(acme, article.id), "published", "Sam")
        db.session.rollback()
        upload = article_uploads.save_file(acme, "manual.txt", b"Restart it.", locale="en-US")
        db.session.rollback()
    assert [d.slug for d in stored(Directory, acme)] == ["guides"]
    found = stored(Article, acme)
    assert [(a.id, a.status) for a in found] == [(article.id, "published"), (upload.id, "draft")]
    with use_workspace(acme.id):
        articles.delete_article(acme, found[1])
        db.session.rollback()
    assert [a.id for a in stored(Article, acme)] == [article.id]


def test_write_is_a_step_that_the_caller_commits_or_rolls_back(acme):
    with use_workspace(acme.id):
        articles.write(acme, locale="en-US", title="Not yet", body="x")
        db.session.rollback()
    assert stored(Article, acme) == []


def test_a_refused_action_leaves_nothing(acme, globex):
    with use_workspace(globex.id):
        theirs = directories.save_directory(globex, names={"en-US": "Theirs"})
    with use_workspace(acme.id):
        with pytest.raises(Invalid):
            articles.save(acme, locale="en-US", title="Elsewhere", directory_id=theirs.id)
        db.session.rollback()
        parent = directories.save_directory(acme, names={"en-US": "Parent"})
        directories.save_directory(acme, names={"en-US": "Child"}, parent_id=parent.id)
        with pytest.raises(Conflict):
            directories.delete_directory(acme, parent)
        db.session.rollback()
    assert stored(Article, acme) == []
    assert [d.slug for d in stored(Directory, acme)] == ["parent", "child"]
