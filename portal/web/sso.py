"""SAML single sign-on at the site root, outside the localized portal: identity providers
are configured with these addresses once, whatever language a customer reads in.

- `GET /sso/<slug>/saml/metadata`: the workspace's service provider metadata;
- `GET /sso/<slug>/saml/login?next=..&idp=..`: SP-initiated sign-in (`idp` names one when
  the workspace has several);
- `POST /sso/<slug>/saml/acs`: the assertion consumer service. Exempt from the CSRF token
  (the IdP posts it cross-site; the signed response is the proof, and its InResponseTo
  must name a request this workspace sent, unless the IdP may start sign-ins itself).

A refusal is the portal's "Sign-in refused" page (401, or 404 for a workspace or IdP that
is not there), with the reason in the log; so is an identity provider whose stored
metadata pysaml2 can no longer use (expired, say) at login.

Login CSRF: `login` gives the browser a random nonce in the cookie `helpport_saml_<id>`
(HttpOnly, path /sso/<slug>/saml, for SAML_REQUEST_SECONDS; kept while valid, so two tabs
can sign in at once), and the outstanding request keeps its digest; the ACS accepts an
answer to a request only from the browser holding that nonce. The IdP posts the answer
cross-site, so the cookie is SameSite=None, which browsers take only with Secure: with
COOKIE_SECURE off (development over http) it is SameSite=Lax instead, and SP-initiated
sign-in then only works when the IdP is on the same site (a local test IdP), as browsers
leave Lax cookies off cross-site POSTs. IdP-initiated answers name no request and need
no nonce.
"""

import re
import secrets

from flask import Blueprint, Response, abort, current_app, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.auth import saml, saml_response
from portal.auth.limits import saml_login_limits
from portal.auth.next_url import safe_next
from portal.extensions import csrf, db
from portal.services import identity_providers, workspaces
from portal.services.errors import Unauthorized
from portal.tenancy import enter_workspace
from portal.web import host_workspace, render_portal

sso = Blueprint("sso", __name__, url_prefix="/sso/<slug>/saml")
NONCE_COOKIE = "helpport_saml"
NONCE = re.compile(r"[A-Za-z0-9_-]{43}")


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
@saml_login_limits
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
    nonce = _nonce() or secrets.token_urlsafe(32)
    try:
        location = saml.login_location(ws, chosen[0], next_path, nonce)
    except saml.CannotStart as exc:
        db.session.rollback()
        current_app.logger.warning("SAML sign-in could not start in workspace %s through "
                                   "%s: %s", ws.slug, chosen[0].name, exc.reason)
        return render_portal("signin/refused.html", message=_(
            "Single sign-on with your organisation is not working at the moment. Please "
            "contact the support team.")), 409
    answer = redirect(location, 303)
    cfg = current_app.config
    secure = bool(cfg["COOKIE_SECURE"])
    answer.set_cookie(_nonce_cookie(), nonce, max_age=cfg["SAML_REQUEST_SECONDS"],
                      secure=secure, httponly=True, samesite="None" if secure else "Lax",
                      path=f"/sso/{ws.slug}/saml")
    return answer


def _nonce_cookie() -> str:
    return f"{NONCE_COOKIE}_{g.workspace.id}"


def _nonce() -> str | None:
    """The browser's request nonce, when it holds a well-formed one."""
    value = request.cookies.get(_nonce_cookie(), "")
    return value if NONCE.fullmatch(value) else None


@sso.post("/acs")
@csrf.exempt
def acs():
    from portal.web.signin import signed_in

    ws = g.workspace
    try:
        proven = saml_response.accept(ws, request.form.get("SAMLResponse", ""),
                                      request.form.get("RelayState"), _nonce())
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
