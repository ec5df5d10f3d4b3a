"""Knowledge base > Articles: list, `+ Article` (native Markdown, uploaded file, link),
edit one translation at a time, publish/unpublish, revisions (restore), the uploaded
original, delete, and a Markdown preview.

Every change goes through portal.services.articles, so pages, the staff REST API and the
import command share one set of rules (revisions, slugs, reindexing). Articles are loaded
by id *and* workspace: another workspace's id is a 404.
"""

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from portal.admin import kb_common as kc
from portal.admin.views import WorkspaceBaseView
from portal.body_limits import takes_uploads
from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.kb import content
from portal.models import Article
from portal.models.kb import KINDS, STATUSES
from portal.schemas.pages import ArticleListArgs, page_args
from portal.services import article_files, articles, kb
from portal.services.errors import Invalid, NotFound, ServiceError
from portal.services.staff import staff_name

PAGE_SIZE = 50


def author() -> str:
    return staff_name(current_user)


def article_or_404(pk: int) -> Article:
    try:
        return articles.get(g.admin_workspace, pk)
    except NotFound:
        abort(404)


class ArticlesView(WorkspaceBaseView):
    route_base = "/kb/articles"
    default_view = "items"

    # -- list ------------------------------------------------------------------------------

    @expose("/", methods=["GET"])
    @has_access
    @permission_name("list")
    def items(self):
        ws = g.admin_workspace
        stmt = select(Article).where(Article.workspace_id == ws.id)
        try:
            args = page_args(ArticleListArgs)
        except Invalid as exc:
            abort(400, description=exc.message)
        directory_id, status, kind, page = (args.get("directory"), args["status"],
                                            args["kind"], args["page"])
        if directory_id:
            stmt = stmt.where(Article.directory_id == directory_id)
        if status in STATUSES:
            stmt = stmt.where(Article.status == status)
        if kind in KINDS:
            stmt = stmt.where(Article.kind == kind)
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = list(db.session.scalars(stmt.order_by(Article.updated_at.desc(), Article.id.desc())
                                       .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
        return self.render_template(
            "appbuilder/kb/articles.html", ws=ws, rows=rows, total=total, page=page,
            pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
            directories=articles.directories(ws),
            filters={"directory": directory_id, "status": status, "kind": kind},
            title_of=lambda a: kc.title_of(a, ws), **self._labels())

    def _labels(self) -> dict:
        may = {name: self.appbuilder.sm.has_access(f"can_{name}", self.class_permission_name)
               for name in ("add", "edit", "delete")}
        return {"kind_labels": kc.KIND_LABELS, "status_labels": kc.STATUS_LABELS,
                "audience_labels": kc.AUDIENCE_LABELS, "locale_names": SUPPORTED, "may": may}

    # -- one article ---------------------------------------------------------------------

    @expose("/<id:pk>", methods=["GET"])
    @has_access
    @permission_name("show")
    def show(self, pk):
        ws = g.admin_workspace
        article = article_or_404(pk)
        return self.render_template(
            "appbuilder/kb/article.html", ws=ws, article=article,
            title=kc.title_of(article, ws), revisions=articles.revisions(article),
            translations=sorted(article.translations, key=lambda t: t.locale),
            missing=[c for c in kc.workspace_locales(ws, article)
                     if c not in {t.locale for t in article.translations}],
            kb_access=kb.access(ws), **self._labels())

    @expose("/<id:pk>/file", methods=["GET"])
    @has_access
    @permission_name("show")
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

    @expose("/new", methods=["GET"])
    @has_access
    @permission_name("add")
    def new(self):
        ws = g.admin_workspace
        kind = request.args.get("kind", "")
        if kind not in KINDS:
            return self.render_template("appbuilder/kb/choose_kind.html",
                                        kind_labels=kc.KIND_LABELS)
        locale = request.args.get("locale") or ws.default_locale
        if locale not in kc.workspace_locales(ws):
            locale = ws.default_locale
        return self._form(None, kind, locale, {"status": "draft", "audience": "public"})

    @expose("/new", methods=["POST"])
    @takes_uploads(kc.upload_limit)
    @has_access
    @permission_name("add")
    def create(self):
        kind = request.form.get("kind", "")
        if kind not in KINDS:
            abort(400)
        return self._submit(None, kind)

    @expose("/<id:pk>/edit", methods=["GET"])
    @has_access
    @permission_name("edit")
    def edit(self, pk):
        ws = g.admin_workspace
        article = article_or_404(pk)
        locale = request.args.get("locale") or ws.default_locale
        if locale not in kc.workspace_locales(ws, article):
            abort(404)
        tr = next((t for t in article.translations if t.locale == locale), None)
        values = {"title": tr.title if tr else "", "description": tr.description if tr else "",
                  "body": tr.body if tr and article.kind == "native" else "",
                  "slug": article.slug, "status": article.status,
                  "audience": article.audience, "link_url": article.link_url or "",
                  "directory_id": article.directory_id or ""}
        return self._form(article, article.kind, locale, values)

    @expose("/<id:pk>/edit", methods=["POST"])
    @takes_uploads(kc.upload_limit)
    @has_access
    @permission_name("edit")
    def update(self, pk):
        article = article_or_404(pk)
        return self._submit(article, article.kind)

    def _form(self, article, kind, locale, values, *, error=None, preview=None, status=200):
        ws = g.admin_workspace
        return self.render_template(
            "appbuilder/kb/article_form.html", ws=ws, article=article, kind=kind,
            locale=locale, locales=kc.workspace_locales(ws, article), values=values,
            error=error, preview=preview, directories=articles.directories(ws),
            kb_access=kb.access(ws), statuses=STATUSES,
            have=({t.locale for t in article.translations} if article else set()),
            **self._labels()), status

    def _submit(self, article, kind):
        ws = g.admin_workspace
        form = request.form
        locale = form.get("locale") or ws.default_locale
        typed = form.to_dict()
        if locale not in kc.workspace_locales(ws, article):
            abort(400)
        if form.get("op") == "preview":
            return self._form(article, kind, locale, typed,
                              preview=content.render_markdown(form.get("body", "")))
        try:
            fields = kc.article_fields(form, article, ws, locale)
            upload = request.files.get("file")
            if kind == "file" and (upload is not None and upload.filename):
                data = upload.read(kc.MAX_FILE + 1)
                if len(data) > kc.MAX_FILE:
                    raise Invalid(_("The file is larger than 20 MB."), field="file")
                fields.pop("body", None)
                saved = articles.save_file(ws, upload.filename, data, article=article,
                                           author=author(), **fields)
            elif kind == "file" and article is None:
                raise Invalid(_("Choose a file to upload."), field="file")
            else:
                saved = articles.save(ws, article=article, kind=kind, author=author(),
                                      **fields)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            if article is not None:
                article = article_or_404(article.id)
            return self._form(article, kind, locale, typed,
                              error={"field": exc.details.get("field"), "message": exc.message},
                              status=exc.status)
        flash(_("Article saved."), "success")
        return redirect(url_for(".show", pk=saved.id), 303)

    @expose("/preview", methods=["POST"])
    @has_access
    @permission_name("edit")
    def preview(self):
        """The sanitized rendering of posted Markdown, for the editor's live preview."""
        return Response(content.render_markdown(request.form.get("body", "")[:articles.BODY_MAX]),
                        mimetype="text/html")

    # -- status, revisions, delete -------------------------------------------------------

    def _change(self, pk, change, done: str):
        article = article_or_404(pk)
        try:
            change(g.admin_workspace, article)
            db.session.commit()
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for(".show", pk=pk), 303)
        flash(done, "success")
        return redirect(url_for(".show", pk=pk), 303)

    @expose("/<id:pk>/publish", methods=["POST"])
    @has_access
    @permission_name("edit")
    def publish(self, pk):
        return self._change(pk, lambda ws, a: articles.set_status(ws, a, "published", author()),
                            _("Article published."))

    @expose("/<id:pk>/unpublish", methods=["POST"])
    @has_access
    @permission_name("edit")
    def unpublish(self, pk):
        return self._change(pk, lambda ws, a: articles.set_status(ws, a, "draft", author()),
                            _("Article unpublished: it is a draft again."))

    @expose("/<id:pk>/restore/<id:revision_id>", methods=["POST"])
    @has_access
    @permission_name("edit")
    def restore(self, pk, revision_id):
        return self._change(
            pk, lambda ws, a: articles.restore(ws, a, revision_id, author()),
            _("Revision restored; it is saved as the newest revision."))

    @expose("/<id:pk>/delete", methods=["POST"])
    @has_access
    @permission_name("delete")
    def delete(self, pk):
        article = article_or_404(pk)
        articles.delete_article(g.admin_workspace, article)
        db.session.commit()
        flash(_("Article deleted."), "success")
        return redirect(url_for(".items"), 303)


def register_kb(appbuilder) -> None:
    """Settings > Support > Knowledge base, as FAB's one-level menu: a "Knowledge base"
    category with Articles, Directories and Search analytics."""
    from portal.admin.kb_analytics import SearchAnalyticsView
    from portal.admin.kb_api import ArticleApi, DirectoryApi
    from portal.admin.kb_directories import DirectoriesView

    appbuilder.add_view(ArticlesView, "Articles", label=_l("Articles"),
                        category="Knowledge base", category_label=_l("Knowledge base"),
                        icon="fa-book")
    appbuilder.add_view(DirectoriesView, "Directories", label=_l("Directories"),
                        category="Knowledge base", icon="fa-folder-open")
    appbuilder.add_view(SearchAnalyticsView, "Search analytics", label=_l("Search analytics"),
                        category="Knowledge base", icon="fa-line-chart")
    appbuilder.add_api(ArticleApi)
    appbuilder.add_api(DirectoryApi)
