"""SAML 2.0 service provider of a workspace, through pysaml2 (signatures checked by
xmlsec1, never by code of ours).

Each workspace is its own service provider: entity id `<base>/sso/<slug>/saml/metadata`,
assertion consumer service `<base>/sso/<slug>/saml/acs` (HTTP-POST), where `<base>` is the
workspace's custom domain or PORTAL_BASE_URL (workspaces.public_base). A pysaml2 client is
built per request from the workspace and the one identity provider concerned, as Redash
builds one per tenant.

SP-initiated sign-in: `login_location` sends the browser to the IdP (HTTP-Redirect) with an
AuthnRequest whose id is kept server-side as outstanding (a `saml_req` row of the spent
tokens table, for SAML_REQUEST_SECONDS): the IdP posts its answer cross-site, so the
browser's SameSite=Lax cookies do not come with it and the Flask session cannot hold it.
RelayState carries the path to go to afterwards, checked again with safe_next when it
comes back.
"""

from datetime import timedelta

from flask import current_app
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256
from sqlalchemy import delete

from portal.auth.spent import spend
from portal.extensions import db
from portal.models import IdentityProvider, SpentToken, Workspace
from portal.models.base import utcnow
from portal.services import workspaces

REQUEST_KIND = "saml_req"
WEAK = ("sha1", "md5", "ripemd", "sha224")  # algorithms named with these are refused


def sp_urls(ws: Workspace) -> dict:
    """The workspace's service provider addresses, absolute (the CLI prints them too, out
    of any request: so written out, the paths of portal.web.sso)."""
    base = f"{workspaces.public_base(ws)}/sso/{ws.slug}/saml"
    return {"entity_id": f"{base}/metadata", "acs": f"{base}/acs", "login": f"{base}/login"}


def config(ws: Workspace, idp: IdentityProvider | None = None) -> SPConfig:
    """pysaml2's settings for `ws` as the service provider of `idp` (none: for metadata)."""
    urls, cfg = sp_urls(ws), current_app.config
    conf = SPConfig()
    conf.load({
        "entityid": urls["entity_id"],
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(urls["acs"], BINDING_HTTP_POST)]},
            "allow_unsolicited": bool(idp and idp.allow_idp_initiated),
            "authn_requests_signed": False,
            "want_response_signed": idp.want_response_signed if idp else False,
            "want_assertions_signed": idp.want_assertions_signed if idp else True,
            "want_assertions_or_response_signed": True,
            "name_id_format": NAMEID_FORMAT_EMAILADDRESS,
        }},
        "metadata": {"inline": [idp.metadata_xml]} if idp else {},
        "xmlsec_binary": cfg["XMLSEC_BINARY"],
        "accepted_time_diff": int(cfg["SAML_CLOCK_SKEW_SECONDS"]),
        "allow_unknown_attributes": True,
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
    })
    return conf


def client(ws: Workspace, idp: IdentityProvider) -> Saml2Client:
    return Saml2Client(config=config(ws, idp))


def sp_metadata(ws: Workspace) -> str:
    """The service provider's metadata XML, advertising SHA-256 and stronger only."""
    descriptor = entity_descriptor(config(ws))
    if descriptor.extensions is not None:
        descriptor.extensions.extension_elements = [
            element for element in descriptor.extensions.extension_elements
            if not any(weak in (element.attributes.get("Algorithm") or "").lower()
                       for weak in WEAK)]
    return str(descriptor)


def login_location(ws: Workspace, idp: IdentityProvider, next_path: str | None) -> str:
    """Where to send the browser to sign in at `idp`; the request is kept as outstanding."""
    request_id, info = client(ws, idp).prepare_for_authenticate(
        entityid=idp.entity_id, relay_state=next_path or "", binding=BINDING_HTTP_REDIRECT)
    expires = utcnow() + timedelta(seconds=current_app.config["SAML_REQUEST_SECONDS"])
    spend(ws.id, REQUEST_KIND, _request_key(idp, request_id), expires)
    db.session.commit()
    return dict(info["headers"])["Location"]


def _request_key(idp: IdentityProvider, request_id: str) -> str:
    return f"{idp.id}:{request_id}"


def is_outstanding(ws: Workspace, idp: IdentityProvider, request_id: str) -> bool:
    return db.session.query(SpentToken.id).filter(
        SpentToken.workspace_id == ws.id, SpentToken.kind == REQUEST_KIND,
        SpentToken.key == _request_key(idp, request_id)[:256],
        SpentToken.expires_at > utcnow()).first() is not None


def close_request(ws: Workspace, idp: IdentityProvider, request_id: str) -> bool:
    """Forget an outstanding request as it is answered; False when it was not there (its
    answer already used, or a race)."""
    done = db.session.execute(delete(SpentToken).where(
        SpentToken.workspace_id == ws.id, SpentToken.kind == REQUEST_KIND,
        SpentToken.key == _request_key(idp, request_id)[:256]))
    return bool(done.rowcount)
