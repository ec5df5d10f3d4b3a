"""Settings > Ticket form: the form builder (fields, order, conditions, option trees,
preview, import/export, save as a new version).

The draft travels with the page: the JSON box *is* the draft and every operation posts it
back, the server edits it and renders the page again. No web instance keeps a draft, a
draft is never cut off by a cookie size limit, and only Save stores anything, through
`ticket_forms.save`, which validates and writes the next version. Tickets keep the
version they were created with because save never touches an existing version.
"""

import json
import re

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.admin.views import WorkspaceBaseView
from portal.extensions import db
from portal.forms.compile import describe, option_labels
from portal.forms.definition import SELECTS, problems
from portal.i18n import SUPPORTED, babel_locale
from portal.labels import priority_label
from portal.models.ticket import PRIORITIES
from portal.schemas.pages import ExportArgs, page_args
from portal.services import ticket_forms
from portal.services.errors import Conflict, Invalid

TYPES = ("text", "long_text", "number", "single_select", "multi_select", "checkbox", "date",
         "email", "url")
TYPE_LABELS = {
    "text": _l("Text"), "long_text": _l("Long text"), "number": _l("Number"),
    "single_select": _l("Single select"), "multi_select": _l("Multi select"),
    "checkbox": _l("Checkbox"), "date": _l("Date"), "email": _l("Email"), "url": _l("URL"),
}
TEXT_TYPES = ("text", "long_text")
MAX_UPLOAD = 1_000_000


class EditorError(ValueError):
    """An editor input that cannot be read (a number that is not one, a malformed line)."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


# -- the draft ---------------------------------------------------------------------------

def dump(doc) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)


def parse_draft(text: str):
    """The draft document, or raise ValueError with a message for the admin."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(_("The definition is not valid JSON: %(error)s", error=str(exc))) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("fields"), list) or not all(
            isinstance(f, dict) for f in doc["fields"]):
        raise ValueError(_("The definition must be an object with a list of fields."))
    return doc


def move(doc: dict, index: int, delta: int) -> None:
    fields = doc["fields"]
    target = index + delta
    if 0 <= index < len(fields) and 0 <= target < len(fields):
        fields[index], fields[target] = fields[target], fields[index]


def remove(doc: dict, index: int) -> dict | None:
    if 0 <= index < len(doc["fields"]):
        return doc["fields"].pop(index)
    return None


def put_field(doc: dict, index: int | None, field: dict) -> None:
    """Replace field `index` (or append when None); a renamed key is renamed in the
    conditions and option trees that refer to it."""
    fields = doc["fields"]
    if index is None or not 0 <= index < len(fields):
        fields.append(field)
        return
    old_key = fields[index].get("key")
    fields[index] = field
    if old_key and old_key != field["key"]:
        for other in fields:
            for ref in ("show_when", "options_by"):
                if isinstance(other.get(ref), dict) and other[ref].get("field") == old_key:
                    other[ref]["field"] = field["key"]


# -- editor inputs <-> one field -----------------------------------------------------------

def field_locales(ws, field: dict | None = None) -> list[str]:
    """The workspace's languages, its default first, then any other a field already uses."""
    enabled = list(ws.enabled_locales or []) or [ws.default_locale]
    ordered = [ws.default_locale] + [code for code in enabled if code != ws.default_locale]
    for name in ("label", "help"):
        for code in ((field or {}).get(name) or {}):
            if code not in ordered:
                ordered.append(code)
    if (field or {}).get("options") or (field or {}).get("options_by"):
        for options in _all_option_lists(field):
            for option in options:
                ordered.extend(c for c in option.get("label", {}) if c not in ordered)
    return ordered


def _all_option_lists(field: dict) -> list[list]:
    lists = [field.get("options") or []]
    lists.extend((field.get("options_by") or {}).get("map", {}).values())
    return lists


def options_text(options: list, locales: list[str]) -> str:
    """One option a line: `value | label in locale 1 | label in locale 2`."""
    lines = []
    for option in options:
        labels = [option.get("label", {}).get(code, "") for code in locales]
        while labels and not labels[-1]:
            labels.pop()
        lines.append(" | ".join([option.get("value", ""), *labels]))
    return "\n".join(lines)


def parse_options(text: str, locales: list[str], name: str) -> list[dict]:
    options = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [cell.strip() for cell in line.split("|")]
        if not cells[0]:
            raise EditorError(name, _("Line %(number)d has no value.", number=number))
        if len(cells) - 1 > len(locales):
            raise EditorError(name, _("Line %(number)d has more labels than languages.",
                                      number=number))
        label = {code: text for code, text in zip(locales, cells[1:], strict=False) if text}
        options.append({"value": cells[0], "label": label or {locales[0]: cells[0]}})
    return options


def option_map_text(option_map: dict, locales: list[str]) -> str:
    """An option tree branch per parent value: a `[parent value]` line, then its options."""
    blocks = [f"[{parent}]\n{options_text(options, locales)}"
              for parent, options in option_map.items()]
    return "\n".join(blocks)


def parse_option_map(text: str, locales: list[str], name: str) -> dict:
    branches: dict[str, list[str]] = {}
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.fullmatch(r"\s*\[(.+)\]\s*", line)
        if header:
            current = header.group(1).strip()
            branches.setdefault(current, [])
        elif line.strip():
            if current is None:
                raise EditorError(name, _("Line %(number)d comes before any [parent value] "
                                          "line.", number=number))
            branches[current].append(line)
    return {parent: parse_options("\n".join(lines), locales, name)
            for parent, lines in branches.items()}


def _number(raw: str, name: str):
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise EditorError(name, _("Enter a number.")) from None
    return int(value) if value.is_integer() and "." not in raw and "e" not in raw.lower() \
        else value


def _typed_values(raw: str, kind: str | None, name: str) -> list:
    """Comma-separated values read as the parent field's type (checkbox: true/false)."""
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if kind == "checkbox":
        table = {"true": True, "yes": True, "on": True, "false": False, "no": False,
                 "off": False}
        if any(v.lower() not in table for v in values):
            raise EditorError(name, _("A checkbox takes true or false."))
        return [table[v.lower()] for v in values]
    if kind == "number":
        return [_number(v, name) for v in values]
    return values


def editor_values(field: dict, locales: list[str]) -> dict:
    """The editor's inputs filled in from `field`."""
    values = {"e_key": field.get("key", ""), "e_type": field.get("type", "text"),
              "e_required": "on" if field.get("required") else ""}
    for code in locales:
        values[f"e_label_{code}"] = (field.get("label") or {}).get(code, "")
        values[f"e_help_{code}"] = (field.get("help") or {}).get(code, "")
    for name in ("min", "max", "max_length"):
        values[f"e_{name}"] = "" if field.get(name) is None else str(field[name])
    default = field.get("default")
    if isinstance(default, bool):
        values["e_default"] = "true" if default else "false"
    elif isinstance(default, list):
        values["e_default"] = ", ".join(str(v) for v in default)
    else:
        values["e_default"] = "" if default is None else str(default)
    values["e_options"] = options_text(field.get("options") or [], locales)
    dep = field.get("options_by") or {}
    values["e_dep_field"] = dep.get("field", "")
    values["e_dep_map"] = option_map_text(dep.get("map") or {}, locales)
    cond = field.get("show_when") or {}
    values["e_show_field"] = cond.get("field", "")
    values["e_show_values"] = ", ".join(
        ("true" if v else "false") if isinstance(v, bool) else str(v)
        for v in cond.get("values", []))
    return values


def field_from_inputs(form, doc: dict, locales: list[str]) -> dict:
    """One field from the editor's inputs; only the settings its type takes are kept."""
    kind = form.get("e_type", "text")
    if kind not in TYPES:
        raise EditorError("e_type", _("Choose a field type."))
    field: dict = {"key": form.get("e_key", "").strip(), "type": kind}
    label = {code: form.get(f"e_label_{code}", "").strip() for code in locales}
    field["label"] = {code: text for code, text in label.items() if text} or {
        locales[0]: field["key"]}
    help_text = {code: form.get(f"e_help_{code}", "").strip() for code in locales}
    if any(help_text.values()):
        field["help"] = {code: text for code, text in help_text.items() if text}
    if form.get("e_required"):
        field["required"] = True
    if kind == "number":
        for name in ("min", "max"):
            value = _number(form.get(f"e_{name}", ""), f"e_{name}")
            if value is not None:
                field[name] = value
    if kind in TEXT_TYPES:
        value = _number(form.get("e_max_length", ""), "e_max_length")
        if value is not None:
            if not isinstance(value, int):
                raise EditorError("e_max_length", _("Enter a whole number."))
            field["max_length"] = value
    if kind in SELECTS:
        dep_field = form.get("e_dep_field", "").strip()
        if dep_field:
            field["options_by"] = {"field": dep_field, "map": parse_option_map(
                form.get("e_dep_map", ""), locales, "e_dep_map")}
        else:
            field["options"] = parse_options(form.get("e_options", ""), locales, "e_options")
    default = _default(form.get("e_default", "").strip(), kind)
    if default is not None:
        field["default"] = default
    show_field = form.get("e_show_field", "").strip()
    if show_field:
        parent = next((f for f in doc["fields"] if f.get("key") == show_field), {})
        field["show_when"] = {"field": show_field, "values": _typed_values(
            form.get("e_show_values", ""), parent.get("type"), "e_show_values")}
    return field


def _default(raw: str, kind: str):
    if not raw:
        return None
    if kind == "checkbox":
        return _typed_values(raw, "checkbox", "e_default")[0]
    if kind == "number":
        return _number(raw, "e_default")
    if kind == "multi_select":
        return [v.strip() for v in raw.split(",") if v.strip()]
    return raw


# -- the preview ---------------------------------------------------------------------------

def render_preview(doc: dict, locale: str, fallback: str) -> str:
    """The + Ticket form as a customer sees it in `locale`, as a page of its own (shown in
    a frame, so the portal's stylesheet and field script apply and the admin's do not)."""
    with force_locale(babel_locale(locale)):
        form = describe(doc, locale, fallback)
        return render_template("appbuilder/form_builder/preview.html", form=form,
                               parent_labels=option_labels(form), locale=locale,
                               priorities=PRIORITIES, priority_label=priority_label)


# -- the page ------------------------------------------------------------------------------

class FormBuilderView(WorkspaceBaseView):
    route_base = "/ticketform"
    default_view = "builder"

    def _page(self, draft_text: str, *, editing=None, editor=None, editor_error=None,
              refused=None, status=200, base_version=None):
        ws = g.admin_workspace
        current = ticket_forms.current(ws)
        db.session.commit()  # a workspace's first look stores version 1 of the default form
        # the version the draft was made from travels with it, so a save can tell whether
        # a colleague saved another version meanwhile
        if base_version is None:
            base_version = _int(request.form.get("base_version", "")) or current.version
        locale = request.values.get("preview_locale") or ws.default_locale
        if locale not in SUPPORTED:
            locale = ws.default_locale
        doc, found, preview = None, [], None
        try:
            doc = parse_draft(draft_text)
            found = problems(doc)
        except ValueError as exc:
            found = [str(exc)]
        if doc is not None and not found:
            preview = render_preview(doc, locale, ws.default_locale)
        editing_field = None
        if doc is not None and isinstance(editing, int) and 0 <= editing < len(doc["fields"]):
            editing_field = doc["fields"][editing]
        locales = field_locales(ws, editing_field)
        if editing is not None and editor is None:
            editor = editor_values(editing_field or {"type": "text"}, locales)
        earlier = (doc or {"fields": []})["fields"]
        if isinstance(editing, int):
            earlier = earlier[:editing]
        refused = refused or []
        return self.render_template(
            "appbuilder/form_builder/builder.html", ws=ws, current=current,
            versions=ticket_forms.versions(ws), draft_text=draft_text, doc=doc,
            problems=[p for p in found if p not in refused], refused=refused,
            preview=preview, preview_locale=locale, locales=locales,
            preview_locales=[code for code in field_locales(ws) if code in SUPPORTED],
            locale_names=SUPPORTED, types=TYPES, type_labels=TYPE_LABELS, editing=editing,
            editor=editor, editor_error=editor_error, earlier=earlier,
            base_version=base_version, text_of=_text_in(ws.default_locale)), status

    @expose("/", methods=["GET"])
    @has_access
    @permission_name("show")
    def builder(self):
        return self._page(dump(ticket_forms.current(g.admin_workspace).definition))

    @expose("/", methods=["POST"])
    @has_access
    @permission_name("edit")
    def operate(self):
        """One builder operation on the posted draft: `op` is e.g. `up:2` or `apply`."""
        draft_text = request.form.get("draft", "")
        op, _sep, arg = request.form.get("op", "").partition(":")
        editing = _editing(request.form.get("editing", ""))
        if op == "import":
            return self._import(draft_text, editing)
        if op == "save":
            return self._save(draft_text)
        try:
            doc = parse_draft(draft_text)
        except ValueError as exc:
            return self._page(draft_text, editing=editing, editor=request.form,
                              refused=[str(exc)], status=422)
        index = _int(arg)
        if op == "add":
            return self._page(draft_text, editing="new")
        if op == "edit" and index is not None:
            return self._page(draft_text, editing=index)
        if op == "cancel":
            return self._page(draft_text)
        if op in ("up", "down") and index is not None:
            move(doc, index, -1 if op == "up" else 1)
            editing = None
        elif op == "remove" and index is not None:
            removed = remove(doc, index)
            if removed is not None:
                flash(_("Field %(key)s removed from the draft.", key=removed.get("key", "")),
                      "info")
            editing = None
        elif op == "apply" and editing is not None:
            locales = field_locales(g.admin_workspace, _field_at(doc, editing))
            try:
                field = field_from_inputs(request.form, doc, locales)
            except EditorError as exc:
                return self._page(draft_text, editing=editing, editor=request.form,
                                  editor_error=exc, status=422)
            put_field(doc, editing if isinstance(editing, int) else None, field)
            editing = None
        return self._page(dump(doc), editing=editing,
                          editor=request.form if editing is not None else None)

    def _import(self, draft_text: str, editing):
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._page(draft_text, editing=editing, editor=request.form,
                              refused=[_("Choose a .json file to import.")], status=422)
        raw = upload.read(MAX_UPLOAD + 1)
        try:
            if len(raw) > MAX_UPLOAD:
                raise ValueError(_("The file is larger than 1 MB."))
            doc = parse_draft(raw.decode("utf-8-sig"))
            found = problems(doc)
        except UnicodeDecodeError:
            found = [_("The file is not UTF-8 text.")]
        except ValueError as exc:
            found = [str(exc)]
        if found:
            return self._page(draft_text, editing=editing, editor=request.form,
                              refused=[_("The file was not imported:"), *found], status=422)
        flash(_("Imported %(name)s into the draft. Save to make it the ticket form.",
                name=upload.filename), "success")
        return self._page(dump(doc))

    def _save(self, draft_text: str):
        try:
            doc = parse_draft(draft_text)
            form = ticket_forms.save(g.admin_workspace, doc, current_user.id,
                                     base_version=_int(request.form.get("base_version", "")))
        except ValueError as exc:
            return self._page(draft_text, refused=[str(exc)], status=422)
        except Conflict as exc:
            newest = exc.details["newest"]
            message = _("Somebody saved version %(version)d while you edited this draft. "
                        "Nothing was saved and your draft is kept: save again to make it "
                        "the current form anyway, or export it and compare first.",
                        version=newest)
            return self._page(draft_text, refused=[message], status=409,
                              base_version=newest)
        except Invalid as exc:
            return self._page(draft_text, refused=[exc.message, *exc.details["problems"]],
                              status=422)
        flash(_("Saved as version %(version)d. New tickets use it; existing tickets keep "
                "their version.", version=form.version), "success")
        return redirect(url_for(".builder"), 303)

    @expose("/preview", methods=["GET", "POST"])
    @has_access
    @permission_name("show")
    def preview(self):
        """The preview alone, of the posted draft (or the current version on GET)."""
        ws = g.admin_workspace
        locale = request.values.get("preview_locale") or ws.default_locale
        if locale not in SUPPORTED:
            abort(404)
        if request.method == "GET":
            doc = ticket_forms.current(ws).definition
        else:
            try:
                doc = parse_draft(request.form.get("draft", ""))
            except ValueError:
                doc = None
            if doc is None or problems(doc):
                return Response(_("The draft has problems; fix them to see the preview."),
                                422, mimetype="text/plain")
        return render_preview(doc, locale, ws.default_locale)

    @expose("/export", methods=["GET", "POST"])
    @has_access
    @permission_name("show")
    def export(self):
        """The definition as a .json download: a saved version on GET (`?version=`,
        default the current one), the posted draft on POST, as it is."""
        ws = g.admin_workspace
        if request.method == "POST":
            body, name = request.form.get("draft", ""), f"ticket-form-{ws.slug}-draft.json"
        else:
            try:
                wanted = page_args(ExportArgs).get("version")
            except Invalid:
                abort(404)
            form = ticket_forms.current(ws) if wanted is None else next(
                (f for f in ticket_forms.versions(ws) if f.version == wanted), None)
            if form is None:
                abort(404)
            body = dump(form.definition) + "\n"
            name = f"ticket-form-{ws.slug}-v{form.version}.json"
        return Response(body, mimetype="application/json", headers={
            "Content-Disposition": f'attachment; filename="{name}"'})


def _int(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _editing(raw: str):
    return "new" if raw == "new" else _int(raw)


def _field_at(doc: dict, editing) -> dict | None:
    if isinstance(editing, int) and 0 <= editing < len(doc["fields"]):
        return doc["fields"][editing]
    return None


def _text_in(default_locale: str):
    def text_of(text) -> str:
        if not isinstance(text, dict) or not text:
            return ""
        return text.get(default_locale) or text.get("en-US") or next(iter(text.values()))
    return text_of


def register_form_builder(appbuilder) -> None:
    appbuilder.add_view(FormBuilderView, "Ticket form", label=_l("Ticket form"),
                        category="Settings", category_label=_l("Settings"), icon="fa-wpforms")
