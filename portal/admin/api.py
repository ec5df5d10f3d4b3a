"""The staff REST API's base classes: every API acts in the `X-Workspace` workspace.

FAB's JWT login (`POST /api/v1/security/login`) gives the token; every request names
its workspace in the `X-Workspace` header. As on the pages, the tenancy guard limits
every query (lists, by-id loads, related lookups) to that workspace; the declared body
schemas load related rows only from it, and the hooks below refuse links to rows of another
workspace. The rows' rules are portal.services.people, as on the pages; the resources are in
portal.admin.people_api, portal.admin.tickets_api and portal.admin.kb (article_api,
directory_api). Errors and the OpenAPI document: see portal.admin.api_base.
"""

from flask import g, request
from flask_appbuilder.api import BaseApi, ModelRestApi
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from portal.admin.api_base import StaffApiMixin, answered, load_path_ids, rison_query
from portal.admin.context import IN_WORKSPACE, use_api_workspace
from portal.schemas import json_body, parse
from portal.schemas.staff_api import Row, Rows
from portal.schemas.staff_rest import rest_queries
from portal.services import people
from portal.services.errors import Conflict
from portal.tenancy import current_workspace_id


class WorkspaceBaseApi(StaffApiMixin, BaseApi):
    """A custom staff API acting in the `X-Workspace` workspace (see api_base)."""

    allow_browser_login = False

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(use_api_workspace)
        blueprint.before_request(load_path_ids)
        return blueprint


class WorkspaceApi(StaffApiMixin, ModelRestApi):
    """FAB's model API in the `X-Workspace` workspace: path ids, `q` and bodies are loaded
    through declared schemas (portal.schemas.staff_rest and staff_people)."""

    base_filters = IN_WORKSPACE
    add_query_rel_fields = edit_query_rel_fields = {
        "account": IN_WORKSPACE,
        "members": IN_WORKSPACE,
    }
    allow_browser_login = False
    write_schema = None

    def __init__(self):
        self.add_model_schema = self.write_schema()
        # PUT: FAB fills in the fields left out, so none is required (and a subclass: the
        # OpenAPI document names each schema class once)
        edit = type(f"{self.write_schema.__name__}Edit", (self.write_schema,), {})
        self.edit_model_schema = edit()
        self.edit_model_schema.partial = True
        super().__init__()

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        self.queries = rest_queries(self)
        blueprint.before_request(use_api_workspace)
        blueprint.before_request(load_path_ids)
        blueprint.before_request(self.load_query)
        return blueprint

    def load_query(self):
        """Blueprint hook: `q` through the endpoint's declared schema, into `g.rest_query`
        (the headless methods below hand it to FAB instead of FAB's own reading)."""
        schema = self.queries.get((request.endpoint or "").rsplit(".", 1)[-1])
        if schema is None or g.get("admin_workspace") is None:
            return None
        g.rest_query = parse(schema, rison_query(request.args.get("q")))  # errors: portal.errors
        return None

    def get_list_headless(self, **kwargs):
        return super().get_list_headless(rison=g.rest_query)

    def get_headless(self, pk, **kwargs):
        return super().get_headless(pk, rison=g.rest_query)

    def info_headless(self, **kwargs):
        return super().info_headless(rison=g.rest_query)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        """FAB's field description for `_info`, with the related rows a `Row` field may
        name, and no catalog header where a column has no description."""
        info = super()._get_field_info(field, filter_rel_field, page, page_size)
        if field.name not in self.description_columns:
            info["description"] = ""
        related = field.inner if isinstance(field, Rows) else field
        if isinstance(related, Row):
            size = page_size or self.page_size
            info["values"] = people.related_choices(related.model, current_workspace_id(),
                                                    page or 0, size)
        return info

    def pre_add(self, item):
        people.before_save(item, current_workspace_id())

    def pre_update(self, item):
        people.before_save(item, current_workspace_id(), name_before=g.get("name_before_edit"))

    def pre_delete(self, item):
        people.before_delete(item)

    def _guarded(self, run):
        try:
            return answered(run)
        except SQLAlchemyError:
            return self.refuse(Conflict(_("The change conflicts with existing data.")))

    def post_headless(self):
        return self._guarded(self._post)

    def _post(self):
        json_body()  # a malformed body is a 400/415/422 in our shape, not FAB's
        return super().post_headless()

    def put_headless(self, pk):
        return self._guarded(lambda: self._put(pk))

    def _put(self, pk):
        if self.datamodel.get(pk, self._base_filters) is None:
            return self.response_404()
        json_body()
        return super().put_headless(pk)

    def delete_headless(self, pk):
        return self._guarded(lambda: super(WorkspaceApi, self).delete_headless(pk))
