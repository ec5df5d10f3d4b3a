"""Settings > Ticket form: the form builder (fields, order, conditions, option trees,
preview, import/export, save as a new version).

The draft travels with the page: the JSON box *is* the draft and every operation posts it
back, the server edits it (portal.forms.draft) and renders the page again. No web instance
keeps a draft, a draft is never cut off by a cookie size limit, and only Save stores
anything, through `ticket_forms.save`, which validates and writes the next version. Tickets
keep the version they were created with because save never touches an existing version.
"""

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.admin.views import WorkspaceBaseView, page_route
from portal.forms import draft
from portal.forms.compile import describe, option_labels
from portal.forms.definition import problems
from portal.forms.editor import TYPE_LABELS, TYPES, field_locales
from portal.i18n import SUPPORTED, babel_locale
from portal.labels import priority_label
from portal.models.ticket import PRIORITIES
from portal.schemas.pages import ExportArgs, page_args
from portal.services import ticket_forms
from portal.services.errors import Conflict, Invalid


def render_preview(doc: dict, locale: str, fallback: str) -> str:
    """The + Ticket form as a customer sees it in `locale`, as a page of its own (shown in
    a frame, so the portal's stylesheet and field script apply and the admin's do not)."""
    with force_locale(babel_locale(locale)):
        form = describe(doc, locale, fallback)
        return render_template("appbuilder/form_builder/preview.html", form=form,
                               parent_labels=option_labels(form), locale=locale,
                               priorities=PRIORITIES, priority_label=priority_label)


def preview_locale(ws) -> str | None:
    """The language the preview is asked for (the workspace default when none is), or
    None for one the portal does not offer."""
    locale = request.values.get("preview_locale") or ws.default_locale
    return locale if locale in SUPPORTED else None


class FormBuilderView(WorkspaceBaseView):
    route_base = "/ticketform"
    default_view = "builder"

    def _show(self, step: draft.Step, *, base_version=None):
        ws = g.admin_workspace
        current = ticket_forms.ensure_current(ws)
        # the version the draft was made from travels with it, so a save can tell whether
        # a colleague saved another version meanwhile
        base_version = (base_version or draft.to_int(request.form.get("base_version", ""))
                        or current.version)
        locale = preview_locale(ws) or ws.default_locale
        state = draft.page_state(ws, step)
        preview = render_preview(state["doc"], locale, ws.default_locale) \
            if state["valid"] else None
        return self.render_template(
            "appbuilder/form_builder/builder.html", ws=ws, current=current,
            versions=ticket_forms.versions(ws), draft_text=step.draft_text, **state,
            refused=step.refused, preview=preview, preview_locale=locale,
            preview_locales=[code for code in field_locales(ws) if code in SUPPORTED],
            locale_names=SUPPORTED, types=TYPES, type_labels=TYPE_LABELS,
            editing=step.editing, editor_error=step.editor_error,
            base_version=base_version, text_of=draft.text_in(ws.default_locale)), step.status

    @page_route("/", "show")
    def builder(self):
        current = ticket_forms.ensure_current(g.admin_workspace)
        return self._show(draft.Step(draft.dump(current.definition)))

    @page_route("/", "edit", methods=["POST"])
    def operate(self):
        """One builder operation on the posted draft: `op` is e.g. `up:2` or `apply`."""
        draft_text, op = request.form.get("draft", ""), request.form.get("op", "")
        editing = draft.editing_from(request.form.get("editing", ""))
        if op == "import":
            return self._import(draft_text, editing)
        if op == "save":
            return self._save(draft_text)
        step = draft.operate(g.admin_workspace, draft_text, op, editing, request.form)
        if step.removed is not None:
            flash(_("Field %(key)s removed from the draft.", key=step.removed), "info")
        return self._show(step)

    def _import(self, draft_text: str, editing):
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._show(draft.Step(draft_text, editing, request.form, status=422,
                                         refused=[_("Choose a .json file to import.")]))
        doc, found = draft.read_upload(upload.read(draft.MAX_UPLOAD + 1))
        if found:
            return self._show(draft.Step(draft_text, editing, request.form, status=422,
                                         refused=[_("The file was not imported:"), *found]))
        flash(_("Imported %(name)s into the draft. Save to make it the ticket form.",
                name=upload.filename), "success")
        return self._show(draft.Step(draft.dump(doc)))

    def _save(self, draft_text: str):
        """Save the draft as the next version; a refusal shows the draft again with why."""
        try:
            form = ticket_forms.save(
                g.admin_workspace, draft.parse_draft(draft_text), current_user.id,
                base_version=draft.to_int(request.form.get("base_version", "")))
        except ValueError as exc:
            return self._show(draft.Step(draft_text, refused=[str(exc)], status=422))
        except Conflict as exc:
            return self._saved_meanwhile(draft_text, exc.details["newest"])
        except Invalid as exc:
            return self._show(draft.Step(draft_text, status=422,
                                         refused=[exc.message, *exc.details["problems"]]))
        flash(_("Saved as version %(version)d. New tickets use it; existing tickets keep "
                "their version.", version=form.version), "success")
        return redirect(url_for(".builder"), 303)

    def _saved_meanwhile(self, draft_text: str, newest: int):
        message = _("Somebody saved version %(version)d while you edited this draft. "
                    "Nothing was saved and your draft is kept: save again to make it "
                    "the current form anyway, or export it and compare first.",
                    version=newest)
        return self._show(draft.Step(draft_text, refused=[message], status=409),
                          base_version=newest)

    @page_route("/preview", "show", methods=["GET", "POST"])
    def preview(self):
        """The preview alone, of the posted draft (or the current version on GET)."""
        ws = g.admin_workspace
        locale = preview_locale(ws) or abort(404)
        if request.method == "GET":
            return render_preview(ticket_forms.ensure_current(ws).definition, locale,
                                  ws.default_locale)
        try:
            doc = draft.parse_draft(request.form.get("draft", ""))
        except ValueError:
            doc = None
        if doc is None or problems(doc):
            return Response(_("The draft has problems; fix them to see the preview."),
                            422, mimetype="text/plain")
        return render_preview(doc, locale, ws.default_locale)

    @page_route("/export", "show", methods=["GET", "POST"])
    def export(self):
        """The definition as a .json download: a saved version on GET (`?version=`,
        default the current one), the posted draft on POST, as it is."""
        ws = g.admin_workspace
        if request.method == "POST":
            body, name = request.form.get("draft", ""), f"ticket-form-{ws.slug}-draft.json"
        else:
            form = self._exported_version(ws)
            body = draft.dump(form.definition) + "\n"
            name = f"ticket-form-{ws.slug}-v{form.version}.json"
        return Response(body, mimetype="application/json", headers={
            "Content-Disposition": f'attachment; filename="{name}"'})

    @staticmethod
    def _exported_version(ws):
        try:
            form = ticket_forms.version(ws, page_args(ExportArgs).get("version"))
        except Invalid:
            abort(404)
        return form or abort(404)


def register_form_builder(appbuilder) -> None:
    appbuilder.add_view(FormBuilderView, "Ticket form", label=_l("Ticket form"),
                        category="Settings", category_label=_l("Settings"), icon="fa-wpforms")
