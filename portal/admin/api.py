"""The staff REST API: accounts, contacts and groups of the `X-Workspace` workspace.

FAB's JWT login (`POST /api/v1/security/login`) gives the token; every request names
its workspace in the `X-Workspace` header. As on the pages, the tenancy guard limits
every query (lists, by-id loads, related lookups) to that workspace, and the hooks below
refuse links to rows of another workspace (marshmallow loads related rows by primary key).
"""

from flask import jsonify, request
from flask_appbuilder.api import BaseApi, ModelRestApi
from flask_appbuilder.models.sqla.filters import FilterEqualFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import ValidationError
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from portal.admin import forms
from portal.admin.context import use_api_workspace
from portal.admin.views import remember_group_name, renames_system_group
from portal.extensions import db
from portal.i18n import SUPPORTED
from portal.models import Account, Contact, CustomerGroup
from portal.models.base import as_id
from portal.services.errors import Conflict, Invalid, ServiceError
from portal.tenancy import current_workspace_id

IN_WORKSPACE = [["workspace_id", FilterEqualFunction, current_workspace_id]]


def _pk_in_path() -> int | None:
    try:
        return int((request.view_args or {}).get("pk"))
    except (TypeError, ValueError):
        return None


def _unique(model, column: str, message: str):
    def check(value) -> None:
        if forms.taken_in_workspace(model, column, value, _pk_in_path()):
            raise ValidationError(message)

    return check


def _email(value) -> None:
    if not forms.EMAIL_RE.match((value or "").strip()):
        raise ValidationError("Not a valid email address.")


_contact_email_free = _unique(Contact, "email",
                              "A contact with this email exists in this workspace.")


def _is_id(value) -> bool:
    """A JSON row id: a whole number (not text, not true/false) that a row can have."""
    return isinstance(value, int) and as_id(value) is not None


def reject_out_of_range_ids():
    """An id in the path beyond the database's integer is a row that cannot exist: 404
    here, instead of an overflow inside the query."""
    for key in ("pk", "number", "revision_id"):
        raw = str((request.view_args or {}).get(key, ""))
        # not a number at all: the view answers that itself
        if raw.lstrip("-").isdigit() and as_id(raw) is None:
            return jsonify(message="Not found"), 404
    return None


RELATIONS = {"account": False, "members": True}  # JSON field -> a list of ids?


def relation_problems(columns) -> dict:
    """Related rows are given by id (a list of ids for `members`); anything else is a 422,
    before marshmallow tries to build a row out of it."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return {}
    problems = {}
    for name, many in RELATIONS.items():
        if name not in columns or name not in data:
            continue
        value = data[name]
        if many:
            fine = isinstance(value, list) and all(_is_id(v) for v in value)
        else:
            fine = value is None or _is_id(value)
        if not fine:
            problems[name] = ["Give a list of row ids." if many else "Give a row id."]
    return problems


def _domains(value) -> None:
    try:
        forms.parse_domains(value)
    except forms.BadDomains as exc:
        raise ValidationError(str(exc)) from exc


class WorkspaceBaseApi(BaseApi):
    """A custom staff API acting in the `X-Workspace` workspace; service errors become JSON."""

    allow_browser_login = False

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(use_api_workspace)
        blueprint.before_request(reject_out_of_range_ids)
        return blueprint

    def _error(self, exc: ServiceError):
        db.session.rollback()
        body = {"message": exc.message, "error": exc.code}
        if "field" in exc.details:
            body["field"] = exc.details["field"]
        return self.response(exc.status, **body)


class WorkspaceApi(ModelRestApi):
    base_filters = IN_WORKSPACE
    add_query_rel_fields = edit_query_rel_fields = {
        "account": IN_WORKSPACE,
        "members": IN_WORKSPACE,
    }
    allow_browser_login = False

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(use_api_workspace)
        blueprint.before_request(reject_out_of_range_ids)
        return blueprint

    def _check(self, item) -> None:
        workspace_id = current_workspace_id()
        if item.workspace_id != workspace_id or inspect(item).attrs.workspace_id.history.deleted:
            raise Invalid("A row cannot move to another workspace.")
        if forms.foreign_rows(item, workspace_id):
            raise Invalid("Only rows of the current workspace can be linked.")

    def pre_add(self, item):
        item.workspace_id = current_workspace_id()
        self._check(item)

    def pre_update(self, item):
        self._check(item)

    def _guarded(self, run):
        try:
            return run()
        except ServiceError as exc:
            db.session.rollback()
            return self.response(exc.status, message=exc.message)
        except SQLAlchemyError:
            db.session.rollback()
            return self.response(409, message="The change conflicts with existing data.")

    def post_headless(self):
        problems = relation_problems(self.add_columns)
        if problems:
            return self.response_422(message=problems)
        return self._guarded(super().post_headless)

    def put_headless(self, pk):
        problems = relation_problems(self.edit_columns)
        if problems:
            return self.response_422(message=problems)
        return self._guarded(lambda: super(WorkspaceApi, self).put_headless(pk))

    def delete_headless(self, pk):
        return self._guarded(lambda: super(WorkspaceApi, self).delete_headless(pk))


class AccountApi(WorkspaceApi):
    resource_name = "account"
    datamodel = SQLAInterface(Account)
    list_columns = show_columns = ["id", "name", "domains", "created_at"]
    add_columns = edit_columns = ["name", "domains"]
    search_columns = ["name"]
    order_columns = ["name", "created_at"]
    validators_columns = {
        "name": _unique(Account, "name", "An account with this name exists."),
        "domains": _domains,
    }

    def pre_add(self, item):
        item.domains = forms.parse_domains(item.domains)
        super().pre_add(item)

    def pre_update(self, item):
        item.domains = forms.parse_domains(item.domains)
        super().pre_update(item)


class ContactApi(WorkspaceApi):
    resource_name = "contact"
    datamodel = SQLAInterface(Contact)
    list_columns = show_columns = ["id", "email", "name", "locale", "account.id",
                                   "account.name", "verified", "active", "created_at"]
    add_columns = edit_columns = ["email", "name", "locale", "account", "verified", "active"]
    search_columns = ["email", "name", "account", "locale", "verified", "active"]
    order_columns = ["email", "name", "created_at"]
    validators_columns = {
        "email": lambda value: _email(value) or _contact_email_free(value),
        "locale": lambda value: _locale(value),
    }

    def pre_add(self, item):
        item.email = item.email.strip().lower()
        super().pre_add(item)

    def pre_update(self, item):
        item.email = item.email.strip().lower()
        super().pre_update(item)


def _locale(value) -> None:
    if value not in (None, "") and value not in SUPPORTED:
        raise ValidationError("Unsupported locale.")


class CustomerGroupApi(WorkspaceApi):
    resource_name = "group"
    datamodel = SQLAInterface(CustomerGroup)
    list_columns = show_columns = ["id", "name", "description", "system", "members.id",
                                   "members.email"]
    add_columns = edit_columns = ["name", "description", "members"]
    search_columns = ["name", "system"]
    order_columns = ["name"]
    validators_columns = {
        "name": _unique(CustomerGroup, "name", "A group with this name exists."),
    }

    def pre_add(self, item):
        item.system = False
        item.description = item.description or ""
        super().pre_add(item)

    def pre_update(self, item):
        if renames_system_group(item):
            raise Conflict("A system group cannot be renamed.")
        super().pre_update(item)

    def put_headless(self, pk):
        remember_group_name(pk)
        return super().put_headless(pk)

    def pre_delete(self, item):
        if item.system:
            raise Conflict("A system group cannot be deleted.")


def register_api(appbuilder) -> None:
    appbuilder.add_api(AccountApi)
    appbuilder.add_api(ContactApi)
    appbuilder.add_api(CustomerGroupApi)
