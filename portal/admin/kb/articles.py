"""Knowledge base > Articles: list, `+ Article` (native Markdown, uploaded file, link),
edit one translation at a time, publish/unpublish, revisions (restore), the uploaded
original, delete, and a Markdown preview.

Every query and change goes through the services (portal.services.articles, article_lists,
article_uploads), so pages, the staff REST API and the import command share one set of
rules (revisions, slugs, reindexing) and each action commits there. Articles are loaded by
id *and* workspace: another workspace's id is a 404.
"""

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_login import current_user

from portal.admin.kb import forms
from portal.admin.views import WorkspaceBaseView, page_route
from portal.body_limits import takes_uploads
from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.models import Article
from portal.models.kb import KINDS, STATUSES
from portal.schemas.pages import ArticleListArgs, page_args
from portal.services import (
    actors,
    article_access,
    article_content,
    article_files,
    article_follow,
    article_lists,
    articles,
    directories,
    scoped,
    translations,
)
from portal.services.errors import Invalid, NotFound, ServiceError

PAGE_SIZE = 50


def author() -> str:
    return actors.staff(current_user).name


def article_or_404(pk: int) -> Article:
    return scoped.by_id(Article, g.admin_workspace, pk) or abort(404)


def _follow(ws, article: Article) -> dict | None:
    """The Subscribers field and Publish & Notify, when Article Follow works here."""
    if not article_follow.offered(ws, article):
        return None
    return {"subscribers": article_follow.subscribers(ws, article),
            "pending": article_follow.pending(ws, article)}


def list_args() -> dict:
    try:
        return page_args(ArticleListArgs)
    except Invalid as exc:
        abort(400, description=exc.message)


class ArticlesView(WorkspaceBaseView):
    route_base = "/kb/articles"
    default_view = "items"

    # -- list ------------------------------------------------------------------------------

    @page_route("/", "list")
    def items(self):
        ws, args = g.admin_workspace, list_args()
        filters = {"directory": args.get("directory"), "status": args["status"],
                   "kind": args["kind"]}
        found = article_lists.staff_page(
            ws, directory_id=filters["directory"], status=filters["status"],
            kind=filters["kind"], limit=PAGE_SIZE, offset=(args["page"] - 1) * PAGE_SIZE)
        return self.render_template(
            "appbuilder/kb/articles.html", ws=ws, rows=found.rows, total=found.total,
            page=args["page"], pages=max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            directories=directories.directories(ws), filters=filters,
            title_of=lambda a: articles.main_title(ws, a),
            outdated_of=lambda a: translations.outdated_locales(a, ws.default_locale),
            **self._labels())

    def _labels(self) -> dict:
        may = {name: self.appbuilder.sm.has_access(f"can_{name}", self.class_permission_name)
               for name in ("add", "edit", "delete")}
        return {"kind_labels": forms.KIND_LABELS, "status_labels": forms.STATUS_LABELS,
                "audience_labels": forms.AUDIENCE_LABELS, "locale_names": SUPPORTED,
                "may": may}

    # -- one article ---------------------------------------------------------------------

    @page_route("/<id:pk>", "show")
    def show(self, pk):
        ws, article = g.admin_workspace, article_or_404(pk)
        have = {t.locale for t in article.translations}
        return self.render_template(
            "appbuilder/kb/article.html", ws=ws, article=article,
            title=articles.main_title(ws, article), revisions=articles.revisions(article),
            translations=sorted(article.translations, key=lambda t: t.locale),
            missing=[c for c in articles.editable_locales(ws, article) if c not in have],
            outdated=translations.outdated_locales(article, ws.default_locale),
            kb_access=article_access.access(ws), follow=_follow(ws, article),
            **self._labels())

    @page_route("/<id:pk>/file", "show")
    def file(self, pk):
        """The uploaded original: shown in the browser (sandboxed, so an uploaded HTML page
        runs nothing) or, with `?download=1`, as a download."""
        article = article_or_404(pk)
        try:
            response = article_files.original(article,
                                              download=request.args.get("download") == "1")
        except NotFound:
            abort(404)
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    # -- add and edit --------------------------------------------------------------------

    @page_route("/new", "add")
    def new(self):
        ws = g.admin_workspace
        kind = request.args.get("kind", "")
        if kind not in KINDS:
            return self.render_template("appbuilder/kb/choose_kind.html",
                                        kind_labels=forms.KIND_LABELS)
        locale = request.args.get("locale") or ws.default_locale
        if locale not in articles.editable_locales(ws):
            locale = ws.default_locale
        return self._form(None, kind, locale, {"status": "draft", "audience": "public"})

    @expose("/new", methods=["POST"])
    @takes_uploads(forms.upload_limit)
    @has_access
    @permission_name("add")
    def create(self):
        kind = request.form.get("kind", "")
        if kind not in KINDS:
            abort(400)
        return self._submit(None, kind)

    @page_route("/<id:pk>/edit", "edit")
    def edit(self, pk):
        ws, article = g.admin_workspace, article_or_404(pk)
        locale = request.args.get("locale") or ws.default_locale
        if locale not in articles.editable_locales(ws, article):
            abort(404)
        return self._form(article, article.kind, locale, forms.article_values(article, locale))

    @expose("/<id:pk>/edit", methods=["POST"])
    @takes_uploads(forms.upload_limit)
    @has_access
    @permission_name("edit")
    def update(self, pk):
        article = article_or_404(pk)
        return self._submit(article, article.kind)

    def _form(self, article, kind, locale, values, *, error=None, preview=None, status=200):
        ws = g.admin_workspace
        return self.render_template(
            "appbuilder/kb/article_form.html", ws=ws, article=article, kind=kind,
            locale=locale, locales=articles.editable_locales(ws, article), values=values,
            error=error, preview=preview, directories=directories.directories(ws),
            kb_access=article_access.access(ws), statuses=STATUSES,
            have=({t.locale for t in article.translations} if article else set()),
            **self._labels()), status

    def _submit(self, article, kind):
        ws, form = g.admin_workspace, request.form
        locale = form.get("locale") or ws.default_locale
        if locale not in articles.editable_locales(ws, article):
            abort(400)
        if form.get("op") == "preview":
            return self._form(article, kind, locale, form.to_dict(),
                              preview=article_content.render_markdown(form.get("body", "")))
        try:
            saved = forms.save_article(
                ws, article, kind, forms.article_fields(form, article, ws, locale),
                request.files.get("file"), author(), no_file=_("Choose a file to upload."))
        except ServiceError as exc:  # the form again, with what was typed and the message
            return self._form_again(article, kind, locale, exc)
        flash(_("Article saved."), "success")
        return redirect(url_for(".show", pk=saved.id), 303)

    def _form_again(self, article, kind, locale, exc: ServiceError):
        db.session.rollback()
        article = article_or_404(article.id) if article is not None else None
        return self._form(article, kind, locale, request.form.to_dict(),
                          error={"field": exc.details.get("field"), "message": exc.message},
                          status=exc.status)

    @page_route("/preview", "edit", methods=["POST"])
    def preview(self):
        """The sanitized rendering of posted Markdown, for the editor's live preview."""
        body = request.form.get("body", "")[:articles.BODY_MAX]
        return Response(article_content.render_markdown(body), mimetype="text/html")

    # -- status, revisions, delete -------------------------------------------------------

    @page_route("/<id:pk>/publish", "edit", methods=["POST"])
    def publish(self, pk):
        return self._set_status(pk, "published", _("Article published."))

    @page_route("/<id:pk>/unpublish", "edit", methods=["POST"])
    def unpublish(self, pk):
        return self._set_status(pk, "draft", _("Article unpublished: it is a draft again."))

    def _set_status(self, pk, status: str, done: str):
        articles.set_status(g.admin_workspace, article_or_404(pk), status, author())
        return self._done(pk, done)

    @page_route("/<id:pk>/publish-notify", "edit", methods=["POST"])
    def publish_notify(self, pk):
        ws, article = g.admin_workspace, article_or_404(pk)
        row = article_follow.publish_notify(ws, article, request.form.get("comment", "")[:2000],
                                            author())
        return self._done(pk, _("Article published; subscribers are emailed at %(when)s UTC.",
                                when=row.due_at.strftime("%H:%M")))

    @page_route("/<id:pk>/restore/<id:revision_id>", "edit", methods=["POST"])
    def restore(self, pk, revision_id):
        articles.restore(g.admin_workspace, article_or_404(pk), revision_id, author())
        return self._done(pk, _("Revision restored; it is saved as the newest revision."))

    @staticmethod
    def _done(pk, message: str):
        flash(message, "success")
        return redirect(url_for(".show", pk=pk), 303)

    @page_route("/<id:pk>/delete", "delete", methods=["POST"])
    def delete(self, pk):
        articles.delete_article(g.admin_workspace, article_or_404(pk))
        flash(_("Article deleted."), "success")
        return redirect(url_for(".items"), 303)
