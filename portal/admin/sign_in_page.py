"""Settings > Sign-in: how customers of the workspace sign in (issue 13 part 1) and its
SAML identity providers (part 2), each with the email domains it may sign in (a warning
names every provider without any when several are on). Three forms, each posted on its
own: the methods and JIT settings, a new identity provider (metadata uploaded or fetched
from a URL, a preset, attribute names of the admin's own, email domains), and a removal
per provider. A refusal shows the page
again, 422, with every message next to its field and everything typed kept.
"""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.admin.views import WorkspaceBaseView, page_route
from portal.auth.saml import sp_urls
from portal.extensions import db
from portal.services import identity_providers, sign_in_settings
from portal.services.errors import Invalid, NotFound

PRESET_LABELS = {"okta": _l("Okta"), "azure": _l("Microsoft Entra ID (Azure AD)"),
                 "google": _l("Google Workspace"), "custom": _l("Other (name the attributes)")}
MAP_LABELS = {"email": _l("Email attribute"), "first_name": _l("First name attribute"),
              "last_name": _l("Last name attribute"), "account": _l("Account attribute")}
UPLOAD_MAX = 1024 * 1024


def _flag(name: str) -> bool:
    return request.form.get(name) in ("y", "on", "1", "true")


class SignInSettingsView(WorkspaceBaseView):
    route_base = "/signinsettings"
    default_view = "page"

    def _show(self, errors: dict | None = None, status: int = 200, settings: dict | None = None,
              adding: dict | None = None):
        ws = g.admin_workspace
        current = {"sign_in_email_code": ws.sign_in_email_code, "sign_in_saml": ws.sign_in_saml,
                   "sign_in_jwt": ws.sign_in_jwt,
                   "saml_required_domains": "\n".join(ws.saml_required_domains or []),
                   "jit_provisioning": ws.jit_provisioning,
                   "jit_link_by_domain": ws.jit_link_by_domain,
                   "jit_default_account_id": ws.jit_default_account_id}
        return self.render_template(
            "appbuilder/sign_in/page.html", ws=ws, errors=errors or {},
            settings=settings or current, adding=adding or {"preset": "okta"},
            providers=identity_providers.listed(ws), accounts=sign_in_settings.accounts(ws),
            unlimited=identity_providers.unlimited(ws),
            presets=identity_providers.PRESETS, preset_labels=PRESET_LABELS,
            map_keys=identity_providers.MAP_KEYS, map_labels=MAP_LABELS,
            sp=sp_urls(ws)), status

    @page_route("/", "show")
    def page(self):
        return self._show()

    @page_route("/", "edit", methods=["POST"])
    def save(self):
        form = request.form
        account = form.get("jit_default_account_id", "").strip()
        settings = {"sign_in_email_code": _flag("sign_in_email_code"),
                    "sign_in_saml": _flag("sign_in_saml"), "sign_in_jwt": _flag("sign_in_jwt"),
                    "saml_required_domains": form.get("saml_required_domains", "")[:20000],
                    "jit_provisioning": _flag("jit_provisioning"),
                    "jit_link_by_domain": _flag("jit_link_by_domain"),
                    "jit_default_account_id": int(account) if account.isdigit()
                    and len(account) < 12 else None}
        if account and settings["jit_default_account_id"] is None:
            return self._show({"jit_default_account_id": _(
                "Choose one of this workspace's accounts.")}, 422, settings)
        try:
            sign_in_settings.update(
                g.admin_workspace, email_code=settings["sign_in_email_code"],
                saml=settings["sign_in_saml"], jwt=settings["sign_in_jwt"],
                required_domains=settings["saml_required_domains"],
                jit=settings["jit_provisioning"], link_by_domain=settings["jit_link_by_domain"],
                default_account_id=settings["jit_default_account_id"])
        except Invalid as exc:
            db.session.rollback()
            return self._show(exc.details.get("fields") or {"": exc.message}, 422, settings)
        db.session.commit()
        flash(_("Sign-in settings saved."), "success")
        return redirect(url_for(".page"), 303)

    @page_route("/providers", "edit", methods=["POST"])
    def add_provider(self):
        form = request.form
        upload = request.files.get("metadata_file")
        xml = upload.read(UPLOAD_MAX + 1).decode("utf-8", "replace") if upload else ""
        adding = {"name": form.get("name", "")[:100], "preset": form.get("preset", "custom"),
                  "metadata_url": form.get("metadata_url", "")[:2000],
                  "allow_idp_initiated": _flag("allow_idp_initiated"),
                  "want_response_signed": _flag("want_response_signed"),
                  "want_assertions_signed": _flag("want_assertions_signed"),
                  "email_domains": form.get("email_domains", "")[:20000],
                  **{f"map_{key}": form.get(f"map_{key}", "")[:400]
                     for key in identity_providers.MAP_KEYS}}
        try:
            if not xml and not adding["metadata_url"].strip():
                raise Invalid(_("Upload the identity provider's metadata or give its URL."),
                              field="metadata_xml")
            idp = identity_providers.add(
                g.admin_workspace, adding["name"], metadata_xml=xml or None,
                metadata_url=adding["metadata_url"], preset=adding["preset"],
                custom_map={key: adding[f"map_{key}"] for key in identity_providers.MAP_KEYS},
                allow_idp_initiated=adding["allow_idp_initiated"],
                want_response_signed=adding["want_response_signed"],
                want_assertions_signed=adding["want_assertions_signed"],
                email_domains=adding["email_domains"])
        except Invalid as exc:
            db.session.rollback()
            field = exc.details.get("field") or ""
            return self._show({f"idp_{field}" if field else "": exc.message}, 422,
                              adding=adding)
        db.session.commit()
        flash(_("Identity provider %(name)s added. Turn SAML on to offer it.", name=idp.name),
              "success")
        return redirect(url_for(".page"), 303)

    @page_route("/providers/<id:provider>/remove", "edit", methods=["POST"])
    def remove_provider(self, provider: int):
        try:
            name = identity_providers.remove(g.admin_workspace, provider)
        except NotFound:
            abort(404)
        db.session.commit()
        flash(_("Identity provider %(name)s removed.", name=name), "success")
        return redirect(url_for(".page"), 303)


def register_sign_in_page(appbuilder) -> None:
    appbuilder.add_view(SignInSettingsView, "Sign-in", label=_l("Sign-in"),
                        category="Settings", category_label=_l("Settings"), icon="fa-key")
