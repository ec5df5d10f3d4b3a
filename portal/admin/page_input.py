"""What a Flask-AppBuilder model page reads from its URL, loaded through declared fields
before FAB reads it.

FAB's model pages (ours, and its own user, role and chart pages) take their input as it
comes: `int()` of `page_<View>` and `psize_<View>` (no range), any text as an ORDER BY
column, filter values bound to a query unchecked (2**63 overflows the database), an
out-of-range filter index, `<pk>` loaded as given, an unknown action name, a chart's
`<group_by>` as a list index, and a file download no model here has. `check_model_page`
runs first on every model page (PortalAppBuilder installs it): what names no row or page
is a 404, a list argument FAB cannot use is a 400 page naming it.
"""

import re
from functools import partial

from flask import abort, request
from flask_appbuilder.baseviews import BaseModelView
from flask_appbuilder.charts.views import GroupByChartView
from flask_appbuilder.const import PERMISSION_PREFIX
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import fields

from portal.models.base import ID_MAX
from portal.schemas import Choice, Id, Input, Text, Whole, parse
from portal.services.errors import Invalid, NotFound

PAGE_SIZE_MAX = 100  # FAB offers 25..100 per page
FILTER_TEXT_MAX = 500
# FAB's own patterns (flask_appbuilder.urltools), searched anywhere in an argument's name
PAGE, PAGE_SIZE = re.compile("page_(.*)"), re.compile("psize_(.*)")
ORDER, FILTER = re.compile("_oc_(.*)"), re.compile(r"_flt_(\d)_(.*)")


def install(blueprint, view) -> None:
    """Check `view`'s input before each of its requests (FAB model pages only)."""
    if isinstance(view, BaseModelView):
        blueprint.before_request(partial(check_model_page, view))


def check_model_page(view) -> None:
    if not current_user.is_authenticated or not _allowed(view):
        _check_action_name(view)  # FAB refuses them, reading nothing but an action's name
        return
    _check_path(view)
    try:
        _check_list_args(view)
        if request.endpoint.endswith(".action_post"):
            _check_rows(view)
    except Invalid as exc:  # the message names the argument: no form here to show it by
        field = exc.details.get("field")
        abort(400, description=f"{field}: {exc.message}" if field else exc.message)


def _check_path(view) -> None:
    args = request.view_args or {}
    endpoint = request.endpoint.rsplit(".", 1)[-1]
    if endpoint == "download" and not _has_files(view):
        abort(404)  # FAB's download of an uploaded file: no model here has one
    if "group_by" in args and isinstance(view, GroupByChartView):
        _load({"group_by": Whole(0, len(view.definitions) - 1)}, args, not_found=True)
    _check_action_name(view)
    if "pk" in args and _integer_pk(view):
        _load({"pk": Id()}, args, not_found=True)
        if endpoint == "action":
            _require_row(view, args)


def _allowed(view) -> bool:
    """FAB's own permission check of this page (`has_access`), made first: someone not
    allowed is refused by FAB as always, whatever the URL holds."""
    method = getattr(view, request.endpoint.rsplit(".", 1)[-1], None)
    name = getattr(method, "_permission_name", None)
    if name is None:  # FAB checks nothing here (actions check their own permission)
        return True
    name = (view.method_permission_name or {}).get(method.__name__, name)
    permission = PERMISSION_PREFIX + name
    return permission in view.base_permissions and view.appbuilder.sm.has_access(
        permission, view.class_permission_name)


def _check_action_name(view) -> None:
    name = (request.view_args or {}).get("name")
    if name is not None and request.endpoint.endswith(".action"):
        action = view.actions.get(name)
        if action is None or not action.single:
            abort(404)  # FAB would call a missing (or list-only) action with one row


def _require_row(view, args) -> None:
    """Actions get the row as FAB loads it, None when there is none: 404 instead, once FAB
    would let this user run the action at all (else FAB refuses as usual)."""
    if not view.appbuilder.sm.has_access(view.get_action_permission_name(args["name"]),
                                         view.class_permission_name):
        return
    if view.datamodel.get(int(args["pk"]), view._base_filters) is None:
        abort(404)


def _check_rows(view) -> None:
    """The list page's bulk actions: a known action and row ids."""
    action = view.actions.get(request.form.get("action", ""))
    if action is None or not action.multiple:
        abort(404)
    if _integer_pk(view):
        _load({"rowid": fields.List(Id())}, {"rowid": request.form.getlist("rowid")})


def _check_list_args(view) -> None:
    declared, values = {}, {}
    for name in request.args:
        field = _list_arg(view, name)
        if field is not None:
            declared[name] = fields.List(field)
            values[name] = request.args.getlist(name)
    if declared:
        _load(declared, values)


def _list_arg(view, name: str):
    """The field FAB's reading of the argument `name` needs, or None (FAB ignores it)."""
    if PAGE.findall(name):
        return Whole(0, ID_MAX)
    if PAGE_SIZE.findall(name):
        return Whole(1, PAGE_SIZE_MAX)
    order = ORDER.findall(name)
    if order and request.args.get(f"_od_{order[0]}") in ("asc", "desc"):
        owner = _view_named(view, order[0])
        return Choice(getattr(owner, "order_columns", ())) if owner is not None else None
    found = FILTER.findall(name)
    if found:
        return _filter_value(view, int(found[0][0]), found[0][1])
    return None


def _view_named(view, name: str):
    """The view whose list `name` orders: this one or one shown with it (related views)."""
    return next((v for v in [view, *getattr(view, "_related_views", [])]
                 if type(v).__name__ == name), None)


def _filter_value(view, index: int, column: str):
    """`_flt_<index>_<column>`: FAB applies the column's filter number `index` (ignored for
    columns without filters) to the value converted to the column's type."""
    filters = view._filters._all_filters.get(column)
    if filters is None:
        return None
    if index >= len(filters):
        return _NoSuchFilter()
    datamodel = view.datamodel
    if datamodel.is_relation(column):
        return Id()  # the related row's id
    if datamodel.is_integer(column):
        return Whole(0, ID_MAX)
    if datamodel.is_boolean(column):
        return Choice(("y",))  # FAB's "true"; anything else reaches the query as text
    return Text(FILTER_TEXT_MAX)


class _NoSuchFilter(Text):
    def _deserialize(self, value, attr, data, **kwargs):
        raise self.refuse("invalid", _("%(field)s is not a filter of this list.",
                                       field=self.label(attr)), attr)


def _integer_pk(view) -> bool:
    datamodel = view.datamodel
    return not datamodel.is_pk_composite() and datamodel.is_integer(datamodel.get_pk_name())


def _has_files(view) -> bool:
    datamodel = view.datamodel
    return any(datamodel.is_file(c) or datamodel.is_image(c)
               for c in datamodel.get_columns_list())


def _load(declared: dict, values: dict, *, not_found: bool = False) -> dict:
    schema = Input.from_dict(declared)()
    try:
        return parse(schema, values, not_found="" if not_found else None)
    except NotFound:
        abort(404)
