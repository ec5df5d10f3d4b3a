"""Staff REST API for the knowledge base: /api/v1/article/ and /api/v1/directory/ (FAB JWT
+ `X-Workspace`).

The same operations as the admin pages, through portal.services.articles: list (filter
by directory, status, kind), get, create (native and link as JSON; an uploaded file as
multipart), update one translation, publish/unpublish, revisions and restore, delete; and
directory CRUD. Another workspace's id is a 404.
"""

from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import select

from portal.admin import kb_common as kc
from portal.admin.api import WorkspaceBaseApi
from portal.admin.api_base import operation
from portal.admin.context import api_user
from portal.body_limits import takes_uploads
from portal.extensions import db
from portal.models import Article
from portal.schemas.staff_api import MESSAGE, result
from portal.schemas.staff_kb import (
    ArticleDetail,
    ArticleListArgs,
    ArticleSummary,
    ArticleUpload,
    ArticleWrite,
    DirectoryInTree,
    DirectoryWrite,
    Revision,
    StaffDirectory,
)
from portal.services import article_files, articles
from portal.services.errors import Invalid
from portal.services.staff import staff_name


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def article_summary(article: Article) -> dict:
    ws = g.admin_workspace
    return {
        "id": article.id, "kind": article.kind, "slug": article.slug,
        "title": kc.title_of(article, ws), "status": article.status,
        "audience": article.audience, "directory_id": article.directory_id,
        "external_ref": article.external_ref, "link_url": article.link_url,
        "locales": sorted(t.locale for t in article.translations),
        "helpful_yes": article.helpful_yes, "helpful_no": article.helpful_no,
        "views": article.views, "created_at": _when(article.created_at),
        "updated_at": _when(article.updated_at), "published_at": _when(article.published_at),
    }


def article_detail(article: Article) -> dict:
    return {
        **article_summary(article),
        "file": ({"name": article.file_name, "type": article.file_type,
                  "url": f"/api/v1/article/{article.id}/file"} if article.file_key else None),
        "translations": [
            {"locale": t.locale, "title": t.title, "description": t.description,
             "body": t.body, "body_html": t.body_html, "updated_at": _when(t.updated_at)}
            for t in sorted(article.translations, key=lambda t: t.locale)],
    }


def revision_json(rev) -> dict:
    return {"id": rev.id, "locale": rev.locale, "title": rev.title,
            "description": rev.description, "body": rev.body, "status": rev.status,
            "audience": rev.audience, "author": rev.author, "created_at": _when(rev.created_at)}


def directory_json(directory) -> dict:
    return {"id": directory.id, "slug": directory.slug, "parent_id": directory.parent_id,
            "position": directory.position, "names": directory.names or {},
            "descriptions": directory.descriptions or {}}


def _author() -> str:
    return staff_name(api_user())


def _directory_field(exc: Invalid) -> Invalid:
    """The service names the directory field as the admin form does; the API's is the
    JSON key."""
    if exc.details.get("field") in ("directory", "parent"):
        return Invalid(exc.message, field="parent_id" if exc.details["field"] == "parent"
                       else "directory_id")
    return exc


class KbApi(WorkspaceBaseApi):
    openapi_spec_tag = "Knowledge base (staff)"


class ArticleApi(KbApi):
    resource_name = "article"

    def find(self, pk: int) -> Article:
        return articles.get(g.admin_workspace, pk)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @operation("List articles of the X-Workspace workspace", query=ArticleListArgs,
               response=result(ArticleSummary, many=True, count={"type": "integer"}))
    def get_list(self, args):
        """Articles of the workspace, drafts included, most recently updated first."""
        stmt = select(Article).where(Article.workspace_id == g.admin_workspace.id)
        if "directory" in args:
            stmt = stmt.where(Article.directory_id == args["directory"])
        for name in ("status", "kind"):
            if name in args:
                stmt = stmt.where(getattr(Article, name) == args[name])
        rows = list(db.session.scalars(stmt.order_by(Article.updated_at.desc(),
                                                     Article.id.desc())
                                       .limit(args["limit"]).offset(args["offset"])))
        return self.response(200, count=len(rows),
                             result=[article_summary(a) for a in rows])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @operation("Get an article", response=result(ArticleDetail), codes=[404])
    def get(self, pk):
        """One article with every translation, its votes and its uploaded file."""
        return self.response(200, result=article_detail(self.find(pk)))

    @expose("/<int:pk>/file", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @operation("Download an article's uploaded file", media="application/octet-stream",
               response={"type": "string", "format": "binary"}, codes=[404])
    def get_file(self, pk):
        """The uploaded original of a file article, as a download."""
        return article_files.original(self.find(pk), download=True)

    def _write(self, article: Article | None, values: dict):
        ws = g.admin_workspace
        upload = request.files.get("file") if request.files else None
        kind = article.kind if article is not None else values.get("kind", "native")
        if article is not None and values.get("kind") not in (None, article.kind):
            raise Invalid(_("The kind of an article cannot change."), field="kind")
        locale = kc.check_locale(ws, values.get("locale"), article)
        try:
            fields = kc.article_fields(values, article, ws, locale)
        except Invalid as exc:
            raise _directory_field(exc) from None
        if kind == "file" and upload is not None and upload.filename:
            data = upload.read(kc.MAX_FILE + 1)
            if len(data) > kc.MAX_FILE:
                raise Invalid(_("The file is larger than 20 MB."), field="file")
            fields.pop("body", None)
            saved = articles.save_file(ws, upload.filename, data, article=article,
                                       author=_author(), **fields)
        elif kind == "file" and article is None:
            raise Invalid(_("Send the file as multipart form data in the field file."),
                          field="file")
        else:
            try:
                saved = articles.save(ws, article=article, kind=kind, author=_author(),
                                      **fields)
            except Invalid as exc:
                raise _directory_field(exc) from None
        db.session.commit()
        return saved

    @expose("/", methods=["POST"])
    @takes_uploads(kc.upload_limit)
    @protect()
    @safe
    @permission_name("post")
    @operation("Create an article", body=ArticleWrite, form=ArticleUpload,
               response=result(ArticleDetail), status=201)
    def post(self, data):
        """Create an article: native or link as JSON, an uploaded file as multipart."""
        return self.response(201, result=article_detail(self._write(None, data)))

    @expose("/<int:pk>", methods=["PUT", "PATCH"])
    @takes_uploads(kc.upload_limit)
    @protect()
    @safe
    @permission_name("put")
    @operation("Update an article (one translation at a time)", body=ArticleWrite,
               form=ArticleUpload, response=result(ArticleDetail), find=True)
    def put(self, pk, row, data):
        """Update an article and one translation (`locale`, default the workspace's);
        fields left out keep their values. A file article takes a new file as multipart."""
        saved = self._write(row, data)
        return self.response(200, result=article_detail(saved))

    def _status(self, pk, status):
        article = self.find(pk)
        articles.set_status(g.admin_workspace, article, status, _author())
        db.session.commit()
        return self.response(200, result=article_detail(article))

    @expose("/<int:pk>/publish", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    @operation("Publish an article", response=result(ArticleDetail), codes=[404])
    def publish(self, pk):
        """Publish an article."""
        return self._status(pk, "published")

    @expose("/<int:pk>/unpublish", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    @operation("Unpublish an article", response=result(ArticleDetail), codes=[404])
    def unpublish(self, pk):
        """Make an article a draft again."""
        return self._status(pk, "draft")

    @expose("/<int:pk>/revisions", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @operation("List an article's revisions", response=result(Revision, many=True),
               codes=[404])
    def get_revisions(self, pk):
        """An article's revisions, newest first, with author and time."""
        article = self.find(pk)
        return self.response(200, result=[revision_json(r) for r in articles.revisions(article)])

    @expose("/<int:pk>/revisions/<int:revision_id>/restore", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    @operation("Restore a revision of an article", response=result(ArticleDetail),
               codes=[404])
    def restore(self, pk, revision_id):
        """Restore a revision; it is saved again as the newest revision."""
        article = self.find(pk)
        articles.restore(g.admin_workspace, article, revision_id, _author())
        db.session.commit()
        return self.response(200, result=article_detail(article))

    @expose("/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("delete")
    @operation("Delete an article", response=MESSAGE, codes=[404])
    def delete(self, pk):
        """Delete an article with its translations, revisions and file."""
        articles.delete_article(g.admin_workspace, self.find(pk))
        db.session.commit()
        return self.response(200, message="OK")


class DirectoryApi(KbApi):
    resource_name = "directory"

    def find(self, pk: int):
        return articles.get_directory(g.admin_workspace, pk)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @operation("List directories of the X-Workspace workspace",
               response=result(DirectoryInTree, many=True))
    def get_list(self):
        """Every directory, parents before children, each level in order, with its depth
        in the tree."""
        return self.response(200, result=[{**directory_json(d), "depth": depth}
                                          for d, depth in articles.directories(g.admin_workspace)])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    @operation("Get a directory", response=result(StaffDirectory), codes=[404])
    def get(self, pk):
        """One directory."""
        return self.response(200, result=directory_json(
            self.find(pk)))

    def _save(self, directory, data: dict):
        current = directory_json(directory) if directory is not None else {}
        try:
            saved = articles.save_directory(
                g.admin_workspace, directory_obj=directory,
                names=data.get("names", current.get("names", {})),
                descriptions=data.get("descriptions", current.get("descriptions", {})),
                parent_id=data.get("parent_id", current.get("parent_id")),
                position=data.get("position", current.get("position", 0)),
                slug=data.get("slug"))
        except Invalid as exc:
            raise _directory_field(exc) from None
        db.session.commit()
        return saved

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    @operation("Create a directory", body=DirectoryWrite, response=result(StaffDirectory),
               status=201)
    def post(self, data):
        """Create a directory."""
        return self.response(201, result=directory_json(self._save(None, data)))

    @expose("/<int:pk>", methods=["PUT", "PATCH"])
    @protect()
    @safe
    @permission_name("put")
    @operation("Update a directory", body=DirectoryWrite, response=result(StaffDirectory),
               find=True)
    def put(self, pk, row, data):
        """Change a directory; fields left out keep their values."""
        saved = self._save(row, data)
        return self.response(200, result=directory_json(saved))

    @expose("/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("delete")
    @operation("Delete a directory", response=MESSAGE, codes=[404, 409])
    def delete(self, pk):
        """Delete a directory without subdirectories (409 otherwise); its articles move to
        no directory."""
        articles.delete_directory(g.admin_workspace,
                                  self.find(pk))
        db.session.commit()
        return self.response(200, message="OK")
