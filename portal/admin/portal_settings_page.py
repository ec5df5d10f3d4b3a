"""Settings > Portal settings: the workspace's portal settings document as a form (a draft
that customers do not see until it is published), its history, and a live preview of the
portal drawn with what the form holds.

The form works without scripts: every button posts the whole form. Row operations (add,
move, remove a header tab or footer link) and the preview store nothing; Save draft checks
the whole document (portal.services.portal_settings.check) and shows every refusal next to
its field with everything typed kept; Publish saves and publishes in one step. The preview
(`/preview`) renders portal pages with the posted document, checked, or with the saved
draft when the form does not pass (portal.web.preview); themes/default/static/
portal_settings.js posts the form there as the admin types.

The logo, the dark logo and the favicon have forms of their own (multipart, one per image,
their controls shown in the Appearance section through the `form` attribute): an upload or
a removal goes into the draft at once (portal.services.portal_images) and leaves the rest
of the form as it was saved. A refusal shows the page again with the message next to that
image, 422, or 413 when the body was over its limit (portal.body_limits keeps the CSRF
token, which precedes the file, and drops the file).
"""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.admin import portal_settings_form as form_doc
from portal.admin.views import WorkspaceBaseView, page_route
from portal.body_limits import cut_short, takes_uploads
from portal.extensions import db
from portal.i18n import ENDONYMS, SUPPORTED
from portal.services import portal_images, portal_settings, snap_ins, staff
from portal.services.errors import Conflict, Invalid, NotFound, TooLarge
from portal.services.portal_settings import Settings
from portal.services.portal_settings_schema import (
    ACCESS,
    BANNER_LEVELS,
    NETWORKS,
    TAB_KINDS,
    THEMES,
)
from portal.web import preview as portal_preview

ACCESS_LABELS = {"off": _l("Off"), "private": _l("Private (signed-in customers)"),
                 "public": _l("Public (anyone)")}
THEME_LABELS = {"light": _l("Light"), "dark": _l("Dark"), "system": _l("As the device is set")}
LEVEL_LABELS = {"info": _l("Information"), "warning": _l("Warning")}
TAB_LABELS = {"knowledge_base": _l("Knowledge base"), "tickets": _l("Tickets"),
              "link": _l("Link")}
PAGE_LABELS = {"home": _l("Home"), "article": _l("An article"), "tickets": _l("Ticket list")}
IMAGE_LABELS = {"logo": _l("Logo"), "logo_dark": _l("Logo for dark backgrounds"),
                "favicon": _l("Favicon")}
IMAGE_ALTS = {"logo": _l("The draft's logo"),
              "logo_dark": _l("The draft's logo for dark backgrounds"),
              "favicon": _l("The draft's favicon")}
IMAGE_HINTS = {"logo": _l("Up to 2000 × 1000 pixels."),
               "logo_dark": _l("Shown on dark backgrounds; up to 2000 × 1000 pixels."),
               "favicon": _l("Square, up to 512 × 512 pixels.")}
def flag_notes(ws) -> dict:
    """What a toggle needs besides itself: Article subscriptions need the snap-in."""
    if snap_ins.installed(ws, snap_ins.ARTICLE_FOLLOW):
        return {}
    return {"article_subscriptions": _(
        "Has no effect until the Article Follow snap-in is installed (Settings > Snap-ins).")}


FLAG_LABELS = {"ai_search": _l("AI search"), "pdf_export": _l("PDF export"),
               "article_subscriptions": _l("Article subscriptions"), "plug": _l("Plug"),
               "seo": _l("Search engines (SEO)")}


def plug_snippet(ws) -> str:
    """The line a company adds to its sites to show the Plug (issue 15, section 6)."""
    src = url_for("plug.script", slug=ws.slug, _external=True)
    return f'<script src="{src}" defer></script>'


def locales_of(doc: dict) -> list[str]:
    """The languages a settings document offers, the default first."""
    enabled = [code for code in doc["locales"]["enabled"] if code in SUPPORTED]
    default = doc["locales"]["default"]
    first = [default] if default in SUPPORTED else []
    return first + [code for code in enabled if code not in first] or list(SUPPORTED)


def _author() -> str:
    return staff.staff_name(current_user)


def _image_name_or_404(image: str) -> str:
    if image not in portal_images.BOUNDS:
        abort(404)
    return image


class PortalSettingsView(WorkspaceBaseView):
    route_base = "/portalsettings"
    default_view = "page"

    def _show(self, doc: dict, errors: dict | None = None, status: int = 200,
              image_error: tuple[str, str] | None = None):
        """The page; `image_error` is (image, message) of a refused upload."""
        ws = g.admin_workspace
        errors = errors or {}
        return self.render_template(
            "appbuilder/portal_settings/page.html", ws=ws, doc=doc, errors=errors,
            errors_under=lambda name: form_doc.errors_under(errors, name),
            overview=portal_settings.overview(ws), history=portal_settings.history(ws),
            locales=locales_of(doc), locale_names=SUPPORTED, all_locales=list(SUPPORTED),
            endonyms=ENDONYMS,
            access=ACCESS,
            access_labels=ACCESS_LABELS, themes=THEMES, theme_labels=THEME_LABELS,
            levels=BANNER_LEVELS, level_labels=LEVEL_LABELS, tab_kinds=TAB_KINDS,
            tab_labels=TAB_LABELS, networks=NETWORKS, flags=form_doc.FLAGS,
            flag_labels=FLAG_LABELS, flag_notes=flag_notes(ws), pages=portal_preview.PAGES,
            plug_snippet=plug_snippet(ws),
            page_labels=PAGE_LABELS,
            limits=form_doc.LIMITS, default_picker=form_doc.DEFAULT_PICKER,
            moment_value=form_doc.moment_value, images=portal_settings.IMAGES,
            image_labels=IMAGE_LABELS, image_alts=IMAGE_ALTS, image_hints=IMAGE_HINTS,
            image_error=image_error), status

    def _posted(self) -> dict:
        ws = g.admin_workspace
        base = portal_settings.draft(ws).as_dict()
        return form_doc.parse(request.form, base, locales_of(base))

    @page_route("/", "show")
    def page(self):
        return self._show(portal_settings.overview(g.admin_workspace)["draft"])

    @page_route("/", "edit", methods=["POST"])
    def operate(self):
        """One button of the form: `op` is save, publish, discard, or a row operation
        (`add:tabs`, `up:links:1`, ...) that only shows the form again."""
        ws, op = g.admin_workspace, request.form.get("op", "")
        if op == "discard":
            if portal_settings.discard(ws):
                db.session.commit()
                flash(_("Draft discarded: the form shows the published settings."), "success")
            else:
                flash(_("There is no draft to discard."), "info")
            return redirect(url_for(".page"), 303)
        doc = self._posted()
        if op not in ("save", "publish"):
            return self._show(form_doc.operate(doc, op))
        try:
            portal_settings.save_draft(ws, doc, _author())
            number = portal_settings.publish(ws, _author()) if op == "publish" else None
        except (Invalid, Conflict) as exc:
            db.session.rollback()
            found = exc.details.get("fields") or {exc.details.get("field") or "": exc.message}
            return self._show(doc, found, 422)
        db.session.commit()
        if number is None:
            flash(_("Draft saved. Customers see it once you publish it."), "success")
        else:
            flash(_("Published as version %(number)s: customers see it now.", number=number),
                  "success")
        return redirect(url_for(".page"), 303)

    @page_route("/restore/<id:number>", "edit", methods=["POST"])
    def restore(self, number: int):
        """A published version back into the draft (publish it to make it live)."""
        try:
            portal_settings.restore(g.admin_workspace, number, _author())
        except NotFound:
            abort(404)
        db.session.commit()
        flash(_("Version %(number)s is now the draft. Publish it to make it live.",
                number=number), "success")
        return redirect(url_for(".page"), 303)

    @takes_uploads(portal_images.upload_limit, keep_text=True)
    @page_route("/images/<image>", "edit", methods=["POST"])
    def upload_image(self, image: str):
        """The posted `file` checked, re-encoded and put into the draft as `image`."""
        ws, image = g.admin_workspace, _image_name_or_404(image)
        upload = request.files.get("file")
        try:
            if cut_short():
                raise TooLarge(portal_images.too_large_text())
            if upload is None or not upload.filename:
                raise Invalid(_("Choose a file to upload."))
            portal_images.store_image(ws, image, upload.read(portal_images.MAX_BYTES + 1),
                                      upload.filename, _author())
        except Invalid as exc:
            db.session.rollback()
            return self._show(portal_settings.overview(ws)["draft"], status=exc.status,
                              image_error=(image, exc.message))
        db.session.commit()
        flash(_("%(image)s uploaded into the draft. Customers see it once you publish it.",
                image=IMAGE_LABELS[image]), "success")
        return redirect(url_for(".page", _anchor="images"), 303)

    @page_route("/images/<image>/remove", "edit", methods=["POST"])
    def remove_image(self, image: str):
        """The draft without `image` (the portal falls back to the company name or the
        default icon once it is published)."""
        image = _image_name_or_404(image)
        portal_images.clear_image(g.admin_workspace, image, _author())
        db.session.commit()
        flash(_("%(image)s removed from the draft. Publish the draft to remove it from the "
                "portal.", image=IMAGE_LABELS[image]), "success")
        return redirect(url_for(".page", _anchor="images"), 303)

    @page_route("/preview", "show", methods=["GET", "POST"])
    def preview(self):
        """A portal page drawn with the posted form (POST), or the draft (GET); stores
        nothing."""
        ws = g.admin_workspace
        page = request.values.get("preview_page", "home")
        locale = request.values.get("preview_locale", "")
        locales = locales_of(portal_settings.draft(ws).as_dict())
        if page not in portal_preview.PAGES or (locale and locale not in locales):
            abort(404)
        notice, settings = None, portal_settings.draft(ws)
        if request.method == "POST":
            try:
                settings = Settings(portal_settings.check(ws, self._posted()))
            except Invalid:
                notice = _("The form has errors: this preview shows the saved draft.")
        return portal_preview.render(ws, settings, page, locale or locales[0], notice)


def register_portal_settings_page(appbuilder) -> None:
    appbuilder.add_view(PortalSettingsView, "Portal settings", label=_l("Portal settings"),
                        category="Settings", category_label=_l("Settings"), icon="fa-paint-brush")
