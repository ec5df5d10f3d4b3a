"""Staff REST API for knowledge-base articles: /api/v1/article/ (FAB JWT + `X-Workspace`).

The same operations as the admin pages, through the same services: list (filter by
directory, status, kind), get, create (native and link as JSON; an uploaded file as
multipart), update one translation, publish/unpublish, revisions and restore, delete.
Another workspace's id is a 404; services raise ServiceError subclasses, which the staff
API answers as JSON errors.
"""

from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _

from portal.admin.api import WorkspaceBaseApi
from portal.admin.api_base import api_route, operation
from portal.admin.kb import forms
from portal.admin.kb.serializers import article_detail, article_summary, revision_json
from portal.auth.staff_sessions import api_user
from portal.body_limits import takes_uploads
from portal.models import Article
from portal.schemas.staff_api import MESSAGE, result
from portal.schemas.staff_kb import (
    ArticleDetail,
    ArticleListArgs,
    ArticleSummary,
    ArticleUpload,
    ArticleWrite,
    NotifyScheduled,
    PublishNotify,
    Revision,
)
from portal.services import actors, article_files, article_follow, article_lists, articles
from portal.services.errors import Invalid


def author() -> str:
    return actors.staff(api_user()).name


def write(article: Article | None, values: dict) -> Article:
    """Save a created or updated article from a JSON body or a multipart form."""
    ws = g.admin_workspace
    if article is not None and values.get("kind") not in (None, article.kind):
        raise Invalid(_("The kind of an article cannot change."), field="kind")
    kind = article.kind if article is not None else values.get("kind", "native")
    locale = articles.check_locale(ws, values.get("locale"), article)
    with forms.json_field_names():
        return forms.save_article(
            ws, article, kind, forms.article_fields(values, article, ws, locale),
            request.files.get("file") if request.files else None, author(),
            no_file=_("Send the file as multipart form data in the field file."))


class KbApi(WorkspaceBaseApi):
    openapi_spec_tag = "Knowledge base (staff)"


class ArticleApi(KbApi):
    resource_name = "article"

    def find(self, pk: int) -> Article:
        return articles.get(g.admin_workspace, pk)

    def detail(self, article: Article, status: int = 200):
        return self.response(status, result=article_detail(g.admin_workspace, article))

    def set_status(self, pk, status: str):
        return self.detail(articles.set_status(g.admin_workspace, self.find(pk), status,
                                               author()))

    @api_route("/", "get")
    @operation("List articles of the X-Workspace workspace", query=ArticleListArgs,
               response=result(ArticleSummary, many=True, count={"type": "integer"}))
    def get_list(self, args):
        """Articles of the workspace, drafts included, most recently updated first."""
        ws = g.admin_workspace
        found = article_lists.staff_page(
            ws, directory_id=args.get("directory"), status=args.get("status"),
            kind=args.get("kind"), limit=args["limit"], offset=args["offset"])
        return self.response(200, count=len(found.rows),
                             result=[article_summary(ws, a) for a in found.rows])

    @api_route("/<int:pk>", "get")
    @operation("Get an article", response=result(ArticleDetail), codes=[404])
    def get(self, pk):
        """One article with every translation, its votes and its uploaded file."""
        return self.detail(self.find(pk))

    @api_route("/<int:pk>/file", "get")
    @operation("Download an article's uploaded file", media="application/octet-stream",
               response={"type": "string", "format": "binary"}, codes=[404])
    def get_file(self, pk):
        """The uploaded original of a file article, as a download."""
        return article_files.original(self.find(pk), download=True)

    @expose("/", methods=["POST"])
    @takes_uploads(forms.upload_limit)
    @protect()
    @safe
    @permission_name("post")
    @operation("Create an article", body=ArticleWrite, form=ArticleUpload,
               response=result(ArticleDetail), status=201)
    def post(self, data):
        """Create an article: native or link as JSON, an uploaded file as multipart."""
        return self.detail(write(None, data), 201)

    @expose("/<int:pk>", methods=["PUT", "PATCH"])
    @takes_uploads(forms.upload_limit)
    @protect()
    @safe
    @permission_name("put")
    @operation("Update an article (one translation at a time)", body=ArticleWrite,
               form=ArticleUpload, response=result(ArticleDetail), find=True)
    def put(self, pk, row, data):
        """Update an article and one translation (`locale`, default the workspace's);
        fields left out keep their values. A file article takes a new file as multipart."""
        return self.detail(write(row, data))

    @api_route("/<int:pk>/publish", "put", methods=["POST"])
    @operation("Publish an article", response=result(ArticleDetail), codes=[404])
    def publish(self, pk):
        """Publish an article."""
        return self.set_status(pk, "published")

    @api_route("/<int:pk>/publish-notify", "put", methods=["POST"])
    @operation("Publish an article and notify its subscribers", body=PublishNotify,
               response=result(NotifyScheduled), codes=[404], status=202)
    def publish_notify(self, pk, data):
        """Publish the article and email its subscribers (those who may read it) after
        PORTAL_ARTICLE_NOTIFY_DELAY_SECONDS; a second call before then only replaces the
        comment. 404 unless the Article Follow snap-in is installed, article subscriptions
        are on and the article is native."""
        ws, article = g.admin_workspace, self.find(pk)
        row = article_follow.publish_notify(ws, article, data.get("comment"), author())
        return self.response(202, result={
            "article_id": article.id, "comment": row.comment,
            "due_at": row.due_at.isoformat(),
            "subscribers": len(article_follow.subscribers(ws, article))})

    @api_route("/<int:pk>/unpublish", "put", methods=["POST"])
    @operation("Unpublish an article", response=result(ArticleDetail), codes=[404])
    def unpublish(self, pk):
        """Make an article a draft again."""
        return self.set_status(pk, "draft")

    @api_route("/<int:pk>/revisions", "get")
    @operation("List an article's revisions", response=result(Revision, many=True),
               codes=[404])
    def get_revisions(self, pk):
        """An article's revisions, newest first, with author and time."""
        return self.response(200, result=[revision_json(r)
                                          for r in articles.revisions(self.find(pk))])

    @api_route("/<int:pk>/revisions/<int:revision_id>/restore", "put", methods=["POST"])
    @operation("Restore a revision of an article", response=result(ArticleDetail),
               codes=[404])
    def restore(self, pk, revision_id):
        """Restore a revision; it is saved again as the newest revision."""
        return self.detail(articles.restore(g.admin_workspace, self.find(pk), revision_id,
                                            author()))

    @api_route("/<int:pk>", "delete", methods=["DELETE"])
    @operation("Delete an article", response=MESSAGE, codes=[404])
    def delete(self, pk):
        """Delete an article with its translations, revisions and file."""
        articles.delete_article(g.admin_workspace, self.find(pk))
        return self.response(200, message="OK")
