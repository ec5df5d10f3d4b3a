"""A workspace's SAML identity providers: added from their metadata (uploaded XML, or a URL
fetched with a timeout and a size limit), with a preset naming the attributes that carry
the email, first and last name, or a mapping of the admin's own.

Presets (the attribute names each IdP sends by default or in its documented set-up):
- azure (Microsoft Entra ID): the claim URIs Entra emits for every SAML application,
  http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress, .../givenname and
  .../surname (Microsoft's "SAML token claims reference").
- okta and google (Google Workspace): neither sends attributes until the admin adds
  attribute statements / mappings to the app, with names of their choosing; `email`,
  `firstName` and `lastName` are the names their set-up guides use, so they are the
  presets'. Both send the email as the NameID by default, which counts when no email
  attribute comes (portal.auth.saml_response).
- custom: `email` only; the admin names the rest.

Each may be limited to the email domains whose people it signs in (`email_domains`; none:
any). An identity provider proves whatever email its admin types in, so in a workspace with
several, one without domains can sign in as anybody of the others' (`unlimited` names them
for the admin page's warning).

Metadata URLs are fetched without following redirects (a 3xx is a failure): the address
checked to be public is the only one the server connects to.
"""

import http.client
import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.models import IdentityProvider, Workspace
from portal.services.domains import parse_domains
from portal.services.errors import Invalid, NotFound
from portal.services.outbound import inside as _inside

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
MAP_KEYS = ("email", "first_name", "last_name", "account")
PRESETS: dict[str, dict[str, str]] = {
    "okta": {"email": "email", "first_name": "firstName", "last_name": "lastName",
             "account": ""},
    "azure": {"email": CLAIMS + "emailaddress", "first_name": CLAIMS + "givenname",
              "last_name": CLAIMS + "surname", "account": ""},
    "google": {"email": "email", "first_name": "firstName", "last_name": "lastName",
               "account": ""},
    "custom": {"email": "email", "first_name": "", "last_name": "", "account": ""},
}
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
ATTRIBUTE_MAX = 300
MAX_DOMAINS = 100


def listed(ws: Workspace) -> list[IdentityProvider]:
    return list(db.session.scalars(select(IdentityProvider).where(
        IdentityProvider.workspace_id == ws.id).order_by(IdentityProvider.name)))


def enabled(ws: Workspace) -> list[IdentityProvider]:
    return [idp for idp in listed(ws) if idp.enabled]


def unlimited(ws: Workspace) -> list[IdentityProvider]:
    """The enabled identity providers that may sign in any email domain, when the workspace
    has several enabled (each of those can sign in the people of the others)."""
    found = enabled(ws)
    return [idp for idp in found if not idp.email_domains] if len(found) > 1 else []


def may_sign_in(idp: IdentityProvider, email: str) -> bool:
    """Whether `idp` may prove `email`: its domain is one of the IdP's, or it has none."""
    domains = {str(d).lower() for d in (idp.email_domains or [])}
    return not domains or (email or "").rsplit("@", 1)[-1].strip().lower() in domains


def parse_email_domains(text) -> list[str]:
    """The domains of `text` (one per line or comma-separated, or a list), lower-case,
    without `@`; Invalid naming the first that is no domain name."""
    if isinstance(text, list | tuple):
        text = ",".join(str(d) for d in text)
    domains, bad = parse_domains(str(text or "")[:20000])
    if bad is not None:
        raise Invalid(_("%(domain)s is not a domain name.", domain=bad[:100]),
                      field="email_domains")
    if len(domains) > MAX_DOMAINS:
        raise Invalid(_("At most %(count)d domains.", count=MAX_DOMAINS), field="email_domains")
    return domains


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer, not a way elsewhere: urllib then raises it as an HTTPError."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirects)


def by_name(ws: Workspace, name: str) -> IdentityProvider | None:
    return db.session.scalar(select(IdentityProvider).where(
        IdentityProvider.workspace_id == ws.id, IdentityProvider.name == name))


def by_entity_id(ws: Workspace, entity_id: str) -> IdentityProvider | None:
    return db.session.scalar(select(IdentityProvider).where(
        IdentityProvider.workspace_id == ws.id, IdentityProvider.entity_id == entity_id))


def get(ws: Workspace, idp_id: int) -> IdentityProvider:
    found = db.session.scalar(select(IdentityProvider).where(
        IdentityProvider.workspace_id == ws.id, IdentityProvider.id == idp_id))
    if found is None:
        raise NotFound(_("No such identity provider."))
    return found


def fetch_metadata(url: str, private_hosts: bool = False) -> str:
    """The metadata at `url` (http or https), refused when slow, large or unreachable, and,
    unless `private_hosts` (the operator's command line), when its host is on this machine
    or a private network: a workspace admin must not make the server reach inside."""
    failed = Invalid(_("The metadata could not be fetched from that URL."),
                     field="metadata_url")
    try:
        parts = urlsplit(url or "")
        host, port = parts.hostname, parts.port  # a port out of range: ValueError
    except ValueError:
        raise failed from None
    if parts.scheme not in ("http", "https") or not host:
        raise Invalid(_("The metadata URL must start with https:// or http://."),
                      field="metadata_url")
    if not private_hosts and _inside(host, port):
        raise Invalid(_("The metadata URL must be on the public internet. Upload the file "
                        "instead."), field="metadata_url")
    cfg = current_app.config
    limit = cfg["SAML_METADATA_MAX_BYTES"]
    request = urllib.request.Request(url, headers={"Accept": "application/samlmetadata+xml, "
                                                             "application/xml, text/xml"})
    try:
        with _opener().open(request, timeout=cfg["SAML_METADATA_TIMEOUT_SECONDS"]) as answer:
            body = answer.read(limit + 1)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        current_app.logger.info("identity provider metadata not fetched from %s: %s", url, exc)
        if isinstance(exc, urllib.error.HTTPError):
            exc.close()  # an error answer holds its connection
        raise failed from None
    if len(body) > limit:
        raise Invalid(_("The metadata is larger than the limit."), field="metadata_url")
    return body.decode("utf-8", "replace")


def read_metadata(xml: str, field: str = "metadata_xml") -> str:
    """The entity id of the one identity provider `xml` describes, which must name a
    single sign-on address for the HTTP-Redirect binding (the one sign-in uses) and a
    signing certificate, and be valid now (no validUntil in the past): checked as
    portal.auth.saml will use it."""
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.mdstore import InMemoryMetaData, ToOld

    if not xml or not xml.strip():
        raise Invalid(_("Upload the identity provider's metadata or give its URL."),
                      field=field)
    if len(xml.encode()) > current_app.config["SAML_METADATA_MAX_BYTES"]:
        raise Invalid(_("The metadata is larger than the limit."), field=field)
    expired = Invalid(_("The metadata has expired (its validUntil is past). Get a current "
                        "copy from the identity provider."), field=field)
    store = InMemoryMetaData([], metadata=xml, check_validity=True)
    try:
        store.load()
    except ToOld:
        raise expired from None
    except Exception:  # noqa: BLE001 (pysaml2 raises many kinds for bad XML)
        raise Invalid(_("This is not SAML metadata."), field=field) from None
    if store.to_old:
        raise expired
    idps = [entity_id for entity_id, entity in store.items() if entity.get("idpsso_descriptor")]
    if len(idps) != 1:
        raise Invalid(_("The metadata must describe exactly one identity provider."),
                      field=field)
    entity_id = idps[0]
    if (not store.service(entity_id, "idpsso_descriptor", "single_sign_on_service",
                          BINDING_HTTP_REDIRECT)
            or not store.certs(entity_id, "idpsso")):
        raise Invalid(_("The metadata names no sign-on address for the HTTP-Redirect binding "
                        "or no signing certificate."), field=field)
    return entity_id


def attribute_map(preset: str, custom: dict | None = None) -> dict:
    """The preset's attribute names, with the non-empty names of `custom` instead."""
    if preset not in PRESETS:
        raise Invalid(_("Choose a preset."), field="preset")
    found = dict(PRESETS[preset])
    for key, value in (custom or {}).items():
        if key in MAP_KEYS and value is not None and str(value).strip():
            value = str(value).strip()
            if len(value) > ATTRIBUTE_MAX:
                raise Invalid(_("An attribute name is at most %(count)d characters.",
                                count=ATTRIBUTE_MAX), field=f"map_{key}")
            found[key] = value
    return found


def add(ws: Workspace, name: str, *, metadata_xml: str | None = None,
        metadata_url: str | None = None, preset: str = "custom",
        custom_map: dict | None = None, allow_idp_initiated: bool = False,
        want_response_signed: bool = True, want_assertions_signed: bool = True,
        email_domains: str | list | None = None,
        private_hosts: bool = False) -> IdentityProvider:
    """A new identity provider of `ws` (Invalid naming the field at fault). Commits nothing.
    `email_domains`: the domains whose people it may sign in (text or a list; none: any).
    `private_hosts`: the metadata URL may be on this machine or a private network (the
    operator's command line; never a workspace admin's page)."""
    name = (name or "").strip().lower()
    if not NAME.fullmatch(name):
        raise Invalid(_("A name is 1 to 63 lower-case letters, digits, - or _."), field="name")
    if by_name(ws, name) is not None:
        raise Invalid(_("This workspace has an identity provider of that name."), field="name")
    mapping = attribute_map(preset, custom_map)
    domains = parse_email_domains(email_domains)
    if metadata_url and metadata_url.strip() and not (metadata_xml and metadata_xml.strip()):
        metadata_url = metadata_url.strip()
        metadata_xml = fetch_metadata(metadata_url, private_hosts)
        entity_id = read_metadata(metadata_xml, "metadata_url")
    else:
        metadata_url = None
        entity_id = read_metadata(metadata_xml or "")
    if by_entity_id(ws, entity_id) is not None:
        raise Invalid(_("This identity provider is added already."), field="metadata_xml")
    if not (want_response_signed or want_assertions_signed):
        raise Invalid(_("The response, the assertion or both must be signed."),
                      field="want_assertions_signed")
    idp = IdentityProvider(
        workspace_id=ws.id, name=name, preset=preset, entity_id=entity_id,
        metadata_xml=metadata_xml, metadata_url=metadata_url, attribute_map=mapping,
        email_domains=domains, allow_idp_initiated=allow_idp_initiated,
        want_response_signed=want_response_signed,
        want_assertions_signed=want_assertions_signed, enabled=True)
    db.session.add(idp)
    db.session.flush()
    return idp


def remove(ws: Workspace, idp_id: int) -> str:
    """Remove an identity provider; SAML sign-in is turned off with the last one (else
    the sign-in page would offer a button to nowhere), and its required domains cleared.
    Commits nothing."""
    idp = get(ws, idp_id)
    name = idp.name
    db.session.delete(idp)
    db.session.flush()
    if ws.sign_in_saml and not enabled(ws):
        ws.sign_in_saml = False
        ws.saml_required_domains = []  # the settings refuse required domains with SAML off
        if not (ws.sign_in_email_code or ws.sign_in_jwt):
            ws.sign_in_email_code = True  # one method stays on
    return name
