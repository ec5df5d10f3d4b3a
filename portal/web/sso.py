"""SAML single sign-on at the site root, outside the localized portal: identity providers
are configured with these addresses once, whatever language a customer reads in.

- `GET /sso/<slug>/saml/metadata`: the workspace's service provider metadata;
- `GET /sso/<slug>/saml/login?next=..&idp=..`: SP-initiated sign-in (`idp` names one when
  the workspace has several);
- `POST /sso/<slug>/saml/acs`: the assertion consumer service. Exempt from the CSRF token
  (the IdP posts it cross-site; the signed response is the proof, and its InResponseTo
  must name a request this workspace sent, unless the IdP may start sign-ins itself).

A refusal is the portal's "Sign-in refused" page (401, or 404 for a workspace or IdP that
is not there), with the reason in the log.
"""

from flask import Blueprint, Response, abort, current_app, g, redirect, request, url_for

from portal.auth import saml, saml_response
from portal.auth.next_url import safe_next
from portal.extensions import csrf, db
from portal.services import identity_providers, workspaces
from portal.services.errors import Unauthorized
from portal.tenancy import enter_workspace
from portal.web import host_workspace, render_portal

sso = Blueprint("sso", __name__, url_prefix="/sso/<slug>/saml")


@sso.url_value_preprocessor
def pull_workspace(endpoint, values):
    ws = workspaces.by_slug(values.pop("slug"))
    host_ws = host_workspace()
    if ws is None or (host_ws is not None and host_ws.id != ws.id):
        abort(404)
    enter_workspace(ws, locale=ws.default_locale)


@sso.url_defaults
def push_workspace(endpoint, values):
    if "slug" not in values and g.get("workspace") is not None:
        values["slug"] = g.workspace.slug


@sso.get("/metadata")
def metadata():
    return Response(saml.sp_metadata(g.workspace), mimetype="application/samlmetadata+xml")


@sso.get("/login")
def login():
    ws = g.workspace
    next_path = safe_next(request.args.get("next"))
    enabled = identity_providers.enabled(ws) if ws.sign_in_saml else []
    wanted = request.args.get("idp")
    chosen = [idp for idp in enabled if wanted in (None, "", idp.name)]
    if not chosen:
        abort(404)
    if len(chosen) > 1:  # several: the sign-in page offers one button each
        return redirect(_signin_page(next_path))
    return redirect(saml.login_location(ws, chosen[0], next_path), 303)


@sso.post("/acs")
@csrf.exempt
def acs():
    from portal.web.signin import signed_in

    ws = g.workspace
    try:
        proven = saml_response.accept(ws, request.form.get("SAMLResponse", ""),
                                      request.form.get("RelayState"))
        contact = saml_response.contact_for(ws, proven)
    except Unauthorized as exc:
        db.session.rollback()
        current_app.logger.warning("SAML sign-in refused in workspace %s: %s", ws.slug,
                                   exc.details.get("reason", exc.message))
        return render_portal("signin/refused.html", message=exc.message), 401
    current_app.logger.info("SAML sign-in to workspace %s through %s", ws.slug,
                            proven.idp.name)
    return signed_in(contact, proven.next_path, "saml")


def _signin_page(next_path: str | None) -> str:
    return url_for("portal.signin", next=next_path) if next_path else url_for("portal.signin")
