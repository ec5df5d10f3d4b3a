"""The staff REST API: accounts, contacts and groups of the `X-Workspace` workspace.

FAB's JWT login (`POST /api/v1/security/login`) gives the token; every request names
its workspace in the `X-Workspace` header. As on the pages, the tenancy guard limits
every query (lists, by-id loads, related lookups) to that workspace; the declared body
schemas load related rows only from it, and the hooks below refuse links to rows of another
workspace. Errors and the OpenAPI document: see portal.admin.api_base.
"""

from flask import g, request
from flask_appbuilder.api import BaseApi, ModelRestApi
from flask_appbuilder.models.sqla.filters import FilterEqualFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.exc import SQLAlchemyError

from portal.admin import forms
from portal.admin.api_base import StaffApiMixin, answered, load_path_ids, rison_query
from portal.admin.context import use_api_workspace
from portal.admin.views import remember_group_name, renames_system_group
from portal.extensions import db
from portal.models import Account, Contact, CustomerGroup
from portal.schemas import json_body, parse
from portal.schemas.staff_api import Row, Rows
from portal.schemas.staff_people import AccountWrite, ContactWrite, GroupWrite
from portal.schemas.staff_rest import rest_queries
from portal.services.errors import Conflict, Invalid
from portal.tenancy import current_workspace_id

IN_WORKSPACE = [["workspace_id", FilterEqualFunction, current_workspace_id]]


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
            model = related.model
            rows = db.session.scalars(select(model)
                                      .where(model.workspace_id == current_workspace_id())
                                      .order_by(model.id)
                                      .limit(page_size or self.page_size)
                                      .offset((page or 0) * (page_size or self.page_size)))
            info["values"] = [{"id": row.id, "value": str(row)} for row in rows]
        return info

    def _check(self, item) -> None:
        workspace_id = current_workspace_id()
        if item.workspace_id != workspace_id or inspect(item).attrs.workspace_id.history.deleted:
            raise Invalid(_("A row cannot move to another workspace."))
        if forms.foreign_rows(item, workspace_id):
            raise Invalid(_("Only rows of the current workspace can be linked."))

    def _unique(self, item, column: str, message: str) -> None:
        with db.session.no_autoflush:  # `item` is not in the session yet, or half-changed
            taken = forms.taken_in_workspace(type(item), column, getattr(item, column),
                                             item.id)
        if taken:
            raise Invalid(message, field=column)

    def pre_add(self, item):
        item.workspace_id = current_workspace_id()
        self._check(item)

    def pre_update(self, item):
        self._check(item)

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


class AccountApi(WorkspaceApi):
    resource_name = "account"
    datamodel = SQLAInterface(Account)
    write_schema = AccountWrite
    list_columns = show_columns = ["id", "name", "domains", "created_at"]
    add_columns = edit_columns = ["name", "domains"]
    search_columns = ["name"]
    order_columns = ["name", "created_at"]

    def _domains(self, item) -> None:
        try:
            item.domains = forms.parse_domains(item.domains)
        except forms.BadDomains as exc:
            raise Invalid(str(exc), field="domains") from None
        self._unique(item, "name", _("An account with this name exists."))

    def pre_add(self, item):
        self._domains(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._domains(item)
        super().pre_update(item)


class ContactApi(WorkspaceApi):
    resource_name = "contact"
    datamodel = SQLAInterface(Contact)
    write_schema = ContactWrite
    list_columns = show_columns = ["id", "email", "name", "locale", "account.id",
                                   "account.name", "verified", "active", "created_at"]
    add_columns = edit_columns = ["email", "name", "locale", "account", "verified", "active"]
    search_columns = ["email", "name", "account", "locale", "verified", "active"]
    order_columns = ["email", "name", "created_at"]

    def _email(self, item) -> None:
        item.email = item.email.strip().lower()
        item.locale = item.locale or None
        if not forms.EMAIL_RE.match(item.email):
            raise Invalid(_("Enter a valid email address."), field="email")
        self._unique(item, "email", _("A contact with this email exists in this workspace."))

    def pre_add(self, item):
        self._email(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._email(item)
        super().pre_update(item)


class CustomerGroupApi(WorkspaceApi):
    resource_name = "group"
    datamodel = SQLAInterface(CustomerGroup)
    write_schema = GroupWrite
    list_columns = show_columns = ["id", "name", "description", "system", "members.id",
                                   "members.email"]
    add_columns = edit_columns = ["name", "description", "members"]
    search_columns = ["name", "system"]
    order_columns = ["name"]

    def pre_add(self, item):
        item.system = False
        item.description = item.description or ""
        self._unique(item, "name", _("A group with this name exists."))
        super().pre_add(item)

    def pre_update(self, item):
        if renames_system_group(item):
            raise Conflict(_("A system group cannot be renamed."))
        self._unique(item, "name", _("A group with this name exists."))
        super().pre_update(item)

    def put_headless(self, pk):
        remember_group_name(pk)
        return super().put_headless(pk)

    def pre_delete(self, item):
        if item.system:
            raise Conflict(_("A system group cannot be deleted."))


def register_api(appbuilder) -> None:
    appbuilder.add_api(AccountApi)
    appbuilder.add_api(ContactApi)
    appbuilder.add_api(CustomerGroupApi)
