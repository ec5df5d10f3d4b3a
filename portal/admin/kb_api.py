"""Staff REST API for the knowledge base: /api/v1/article/ and /api/v1/directory/ (FAB JWT
+ `X-Workspace`).

The same operations as the admin pages, through portal.services.articles: list (filter
by directory, status, kind), get, create (native and link as JSON; an uploaded file as
multipart), update one translation, publish/unpublish, revisions and restore, delete; and
directory CRUD. Another workspace's id is a 404.
"""

from flask import g, request, send_file
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import select

from portal.admin import kb_common as kc
from portal.admin.api import WorkspaceBaseApi
from portal.admin.context import api_user
from portal.admin.tickets_queue import staff_name
from portal.body_limits import takes_uploads
from portal.extensions import db
from portal.models import Article
from portal.models.kb import KINDS, STATUSES
from portal.services import articles
from portal.services.errors import Invalid, NotFound, ServiceError

MAX_LIST = 200
ARTICLE_FIELDS = {"kind", "locale", "title", "description", "body", "status", "audience",
                  "directory_id", "slug", "link_url"}
DIRECTORY_FIELDS = {"names", "descriptions", "parent_id", "position", "slug"}


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


def _json_object(allowed: set[str]) -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid(_("Send a JSON object."))
    unknown = sorted(set(data) - allowed)
    if unknown:
        name = str(unknown[0])[:50]
        raise Invalid(_("Unknown field: %(name)s.", name=name), field=name)
    return data


class KbApi(WorkspaceBaseApi):
    openapi_spec_tag = "Knowledge base (staff)"



class ArticleApi(KbApi):
    resource_name = "article"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_list(self):
        """Articles of the workspace, drafts included, most recently updated first.
        ---
        get:
          summary: List articles of the X-Workspace workspace
          parameters:
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          - {in: query, name: directory, description: directory id, schema: {type: integer}}
          - {in: query, name: status, schema: {type: string, enum: [draft, published]}}
          - {in: query, name: kind, schema: {type: string, enum: [native, file, link]}}
          - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 200}}
          - {in: query, name: offset, schema: {type: integer, minimum: 0}}
          responses:
            200:
              description: Articles
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count: {type: integer}
                      result: {type: array, items: {type: object}}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/422'}
        """
        ws = g.admin_workspace
        args = request.args
        try:
            stmt = select(Article).where(Article.workspace_id == ws.id)
            directory_id = kc.int_or_none(args.get("directory"), "directory")
            if directory_id is not None:
                stmt = stmt.where(Article.directory_id == directory_id)
            for name, allowed in (("status", STATUSES), ("kind", KINDS)):
                value = args.get(name)
                if value is not None and value not in allowed:
                    raise Invalid(_("Unknown %(name)s.", name=name), field=name)
                if value is not None:
                    stmt = stmt.where(getattr(Article, name) == value)
            limit = kc.int_or_none(args.get("limit"), "limit")
            limit = 50 if limit is None else limit
            offset = kc.int_or_none(args.get("offset"), "offset") or 0
            if not 1 <= limit <= MAX_LIST or offset < 0:
                raise Invalid(_("limit is 1 to 200 and offset at least 0."), field="limit")
        except ServiceError as exc:
            return self._error(exc)
        rows = list(db.session.scalars(stmt.order_by(Article.updated_at.desc(),
                                                     Article.id.desc())
                                       .limit(limit).offset(offset)))
        return self.response(200, count=len(rows),
                             result=[article_summary(a) for a in rows])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self, pk):
        """One article with every translation, its votes and its uploaded file.
        ---
        get:
          summary: Get an article
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200:
              description: The article
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            return self.response(200, result=article_detail(articles.get(g.admin_workspace,
                                                                         pk)))
        except ServiceError as exc:
            return self._error(exc)

    @expose("/<int:pk>/file", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_file(self, pk):
        """The uploaded original of a file article, as a download.
        ---
        get:
          summary: Download an article's uploaded file
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200:
              description: The file
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            article = articles.get(g.admin_workspace, pk)
            path = articles.file_path(article.workspace_id, article.file_key or "-")
            if not article.file_key or not path.is_file():
                raise NotFound(_("This article has no uploaded file."))
        except ServiceError as exc:
            return self._error(exc)
        return send_file(path, mimetype=article.file_type or "application/octet-stream",
                         as_attachment=True, download_name=article.file_name or "file",
                         max_age=0)

    def _write(self, article: Article | None):
        ws = g.admin_workspace
        upload = request.files.get("file") if request.files else None
        if upload is not None or (request.mimetype or "").startswith("multipart/"):
            values = request.form.to_dict()
            unknown = sorted(set(values) - ARTICLE_FIELDS)
            if unknown:
                raise Invalid(_("Unknown field: %(name)s.", name=unknown[0][:50]),
                              field=unknown[0][:50])
        else:
            values = _json_object(ARTICLE_FIELDS)
        kind = article.kind if article is not None else values.get("kind", "native")
        if kind not in KINDS:
            raise Invalid(_("Unknown kind of article."), field="kind")
        if article is not None and values.get("kind") not in (None, article.kind):
            raise Invalid(_("The kind of an article cannot change."), field="kind")
        locale = kc.check_locale(ws, values.get("locale"), article)
        fields = kc.article_fields(values, article, ws, locale)
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
            saved = articles.save(ws, article=article, kind=kind, author=_author(), **fields)
        db.session.commit()
        return saved

    @expose("/", methods=["POST"])
    @takes_uploads(kc.upload_limit)
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        """Create an article: native or link as JSON, an uploaded file as multipart.
        ---
        post:
          summary: Create an article
          parameters:
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/ArticleWrite'}
              multipart/form-data:
                schema:
                  type: object
                  required: [file]
                  properties:
                    kind: {type: string, enum: [file]}
                    file: {type: string, format: binary}
                    locale: {type: string}
                    title: {type: string}
                    description: {type: string}
                    status: {type: string, enum: [draft, published]}
                    audience: {type: string, enum: [public, verified, admins]}
                    directory_id: {type: integer}
                    slug: {type: string}
          responses:
            201:
              description: The new article
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/422'}
        """
        try:
            saved = self._write(None)
        except ServiceError as exc:
            return self._error(exc)
        return self.response(201, result=article_detail(saved))

    @expose("/<int:pk>", methods=["PUT", "PATCH"])
    @takes_uploads(kc.upload_limit)
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        """Update an article and one translation (`locale`, default the workspace's);
        fields left out keep their values. A file article takes a new file as multipart.
        ---
        put: &change
          summary: Update an article (one translation at a time)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/ArticleWrite'}
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
                    locale: {type: string}
                    title: {type: string}
                    description: {type: string}
          responses:
            200:
              description: The article after the change
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        patch: *change
        """
        try:
            saved = self._write(articles.get(g.admin_workspace, pk))
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, result=article_detail(saved))

    def _status(self, pk, status):
        try:
            article = articles.get(g.admin_workspace, pk)
            articles.set_status(g.admin_workspace, article, status, _author())
            db.session.commit()
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, result=article_detail(article))

    @expose("/<int:pk>/publish", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    def publish(self, pk):
        """Publish an article.
        ---
        post:
          summary: Publish an article
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200:
              description: The published article
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        return self._status(pk, "published")

    @expose("/<int:pk>/unpublish", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    def unpublish(self, pk):
        """Make an article a draft again.
        ---
        post:
          summary: Unpublish an article
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200:
              description: The article, now a draft
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        return self._status(pk, "draft")

    @expose("/<int:pk>/revisions", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_revisions(self, pk):
        """An article's revisions, newest first, with author and time.
        ---
        get:
          summary: List an article's revisions
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200:
              description: Revisions
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: array, items: {type: object}}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            article = articles.get(g.admin_workspace, pk)
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, result=[revision_json(r) for r in articles.revisions(article)])

    @expose("/<int:pk>/revisions/<int:revision_id>/restore", methods=["POST"])
    @protect()
    @safe
    @permission_name("put")
    def restore(self, pk, revision_id):
        """Restore a revision; it is saved again as the newest revision.
        ---
        post:
          summary: Restore a revision of an article
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: revision_id, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200:
              description: The article after the restore
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            article = articles.get(g.admin_workspace, pk)
            articles.restore(g.admin_workspace, article, revision_id, _author())
            db.session.commit()
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, result=article_detail(article))

    @expose("/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("delete")
    def delete(self, pk):
        """Delete an article with its translations, revisions and file.
        ---
        delete:
          summary: Delete an article
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200: {description: Deleted}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            articles.delete_article(g.admin_workspace, articles.get(g.admin_workspace, pk))
            db.session.commit()
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, message="OK")

    def add_apispec_components(self, api_spec) -> None:
        from apispec.exceptions import DuplicateComponentNameError

        super().add_apispec_components(api_spec)
        try:
            api_spec.components.schema("ArticleWrite", {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["native", "link"]},
                    "locale": {"type": "string"},
                    "title": {"type": "string", "maxLength": articles.TITLE_MAX},
                    "description": {"type": "string", "maxLength": articles.DESCRIPTION_MAX},
                    "body": {"type": "string", "description": "Markdown (native articles)"},
                    "status": {"type": "string", "enum": list(STATUSES)},
                    "audience": {"type": "string", "enum": ["public", "verified", "admins"]},
                    "directory_id": {"type": "integer", "nullable": True},
                    "slug": {"type": "string"},
                    "link_url": {"type": "string", "format": "uri"},
                },
                "additionalProperties": False,
            })
        except DuplicateComponentNameError:
            pass


class DirectoryApi(KbApi):
    resource_name = "directory"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_list(self):
        """Every directory, parents before children, each level in order.
        ---
        get:
          summary: List directories of the X-Workspace workspace
          parameters:
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200:
              description: Directories with their depth in the tree
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: array, items: {type: object}}
            401: {$ref: '#/components/responses/401'}
        """
        return self.response(200, result=[{**directory_json(d), "depth": depth}
                                          for d, depth in articles.directories(g.admin_workspace)])

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self, pk):
        """One directory.
        ---
        get:
          summary: Get a directory
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200:
              description: The directory
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            return self.response(200, result=directory_json(
                articles.get_directory(g.admin_workspace, pk)))
        except ServiceError as exc:
            return self._error(exc)

    def _save(self, directory):
        data = _json_object(DIRECTORY_FIELDS)
        current = directory_json(directory) if directory is not None else {}
        position = data.get("position", current.get("position", 0))
        parent_id = data["parent_id"] if "parent_id" in data else current.get("parent_id")
        if parent_id is not None and (not isinstance(parent_id, int)
                                      or isinstance(parent_id, bool)):
            raise Invalid(_("parent_id must be a directory id or null."), field="parent")
        saved = articles.save_directory(
            g.admin_workspace, directory_obj=directory,
            names=data.get("names", current.get("names", {})),
            descriptions=data.get("descriptions", current.get("descriptions", {})),
            parent_id=parent_id, position=position, slug=data.get("slug"))
        db.session.commit()
        return saved

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post(self):
        """Create a directory.
        ---
        post:
          summary: Create a directory
          parameters:
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/DirectoryWrite'}
          responses:
            201:
              description: The new directory
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/422'}
        """
        try:
            saved = self._save(None)
        except ServiceError as exc:
            return self._error(exc)
        return self.response(201, result=directory_json(saved))

    @expose("/<int:pk>", methods=["PUT", "PATCH"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        """Change a directory; fields left out keep their values.
        ---
        put: &change
          summary: Update a directory
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/DirectoryWrite'}
          responses:
            200:
              description: The directory after the change
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        patch: *change
        """
        try:
            saved = self._save(articles.get_directory(g.admin_workspace, pk))
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, result=directory_json(saved))

    @expose("/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("delete")
    def delete(self, pk):
        """Delete a directory without subdirectories; its articles move to no directory.
        ---
        delete:
          summary: Delete a directory
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200: {description: Deleted}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
            409: {description: The directory has subdirectories}
        """
        try:
            articles.delete_directory(g.admin_workspace,
                                      articles.get_directory(g.admin_workspace, pk))
            db.session.commit()
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, message="OK")

    def add_apispec_components(self, api_spec) -> None:
        from apispec.exceptions import DuplicateComponentNameError

        super().add_apispec_components(api_spec)
        per_locale = {"type": "object", "additionalProperties": {"type": "string"}}
        try:
            api_spec.components.schema("DirectoryWrite", {
                "type": "object",
                "properties": {
                    "names": per_locale, "descriptions": per_locale,
                    "parent_id": {"type": "integer", "nullable": True},
                    "position": {"type": "integer"},
                    "slug": {"type": "string"},
                },
                "additionalProperties": False,
            })
        except DuplicateComponentNameError:
            pass
