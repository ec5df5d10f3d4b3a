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

The outstanding request is tied to the browser that started it (no login CSRF: a response
to a request begun by someone else is refused): portal.web.sso gives the browser a random
nonce in a cookie, and the request's row keeps the nonce's keyed digest. The row is
deleted when its answer is accepted; the deletion must find it (two answers to one request:
the second is refused, whatever their order in a race).
"""

from datetime import timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import delete

from portal.auth.spent import spend
from portal.auth.tokens import digest
from portal.extensions import db
from portal.models import IdentityProvider, SpentToken, Workspace
from portal.models.base import utcnow
from portal.services import workspaces

if TYPE_CHECKING:
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

REQUEST_KIND = "saml_req"
REQUEST_ID_MAX = 128  # pysaml2's ids are 20 characters: a longer one is not ours
WEAK = ("sha1", "md5", "ripemd", "sha224")  # algorithms named with these are refused


def sp_urls(ws: Workspace) -> dict:
    """The workspace's service provider addresses, absolute (the CLI prints them too, out
    of any request: so written out, the paths of portal.web.sso)."""
    base = f"{workspaces.public_base(ws)}/sso/{ws.slug}/saml"
    return {"entity_id": f"{base}/metadata", "acs": f"{base}/acs", "login": f"{base}/login"}


def config(ws: Workspace, idp: IdentityProvider | None = None) -> "SPConfig":
    """pysaml2's settings for `ws` as the service provider of `idp` (none: for metadata)."""
    # pysaml2 is imported at first use: loading its XML schemas costs every process that
    # imports the app about half a second of CPU, most of which never sign in with SAML
    from saml2 import BINDING_HTTP_POST
    from saml2.config import SPConfig
    from saml2.saml import NAMEID_FORMAT_EMAILADDRESS
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

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


def client(ws: Workspace, idp: IdentityProvider) -> "Saml2Client":
    from saml2.client import Saml2Client

    return Saml2Client(config=config(ws, idp))


def sp_metadata(ws: Workspace) -> str:
    """The service provider's metadata XML, advertising SHA-256 and stronger only."""
    from saml2.metadata import entity_descriptor

    descriptor = entity_descriptor(config(ws))
    if descriptor.extensions is not None:
        descriptor.extensions.extension_elements = [
            element for element in descriptor.extensions.extension_elements
            if not any(weak in (element.attributes.get("Algorithm") or "").lower()
                       for weak in WEAK)]
    return str(descriptor)


class CannotStart(Exception):
    """pysaml2 cannot make a request for the IdP's stored metadata (expired since it was
    added, or a binding it no longer offers): `reason` for the log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def login_location(ws: Workspace, idp: IdentityProvider, next_path: str | None,
                   nonce: str) -> str:
    """Where to send the browser to sign in at `idp`; the request is kept as outstanding
    for the browser holding `nonce` (CannotStart when pysaml2 cannot make it)."""
    from saml2 import BINDING_HTTP_REDIRECT

    try:
        request_id, info = client(ws, idp).prepare_for_authenticate(
            entityid=idp.entity_id, relay_state=next_path or "",
            binding=BINDING_HTTP_REDIRECT)
        location = dict(info["headers"])["Location"]
    except Exception as exc:  # noqa: BLE001 (pysaml2 raises many kinds, SAMLError or not)
        raise CannotStart(f"{type(exc).__name__}: {str(exc)[:300]}") from None
    expires = utcnow() + timedelta(seconds=current_app.config["SAML_REQUEST_SECONDS"])
    spend(ws.id, REQUEST_KIND, _request_key(idp, request_id, nonce), expires)
    db.session.commit()
    return location


def _request_key(idp: IdentityProvider, request_id: str, nonce: str) -> str:
    return f"{idp.id}:{digest(nonce or '')}:{request_id}"


def _request_row(ws: Workspace, idp: IdentityProvider, request_id: str, nonce: str | None):
    return (SpentToken.workspace_id == ws.id, SpentToken.kind == REQUEST_KIND,
            SpentToken.key == _request_key(idp, request_id, nonce or "")[:256])


def is_outstanding(ws: Workspace, idp: IdentityProvider, request_id: str,
                   nonce: str | None) -> bool:
    """Whether `request_id` is a request sent to `idp` for the browser holding `nonce`,
    not yet answered nor expired."""
    if not nonce or not request_id or len(request_id) > REQUEST_ID_MAX:
        return False
    return db.session.query(SpentToken.id).filter(
        *_request_row(ws, idp, request_id, nonce),
        SpentToken.expires_at > utcnow()).first() is not None


def close_request(ws: Workspace, idp: IdentityProvider, request_id: str,
                  nonce: str | None) -> bool:
    """Forget an outstanding request as it is answered; False when it was not there (its
    answer already used, or a race): the caller must then refuse the answer."""
    if not nonce or not request_id or len(request_id) > REQUEST_ID_MAX:
        return False
    done = db.session.execute(delete(SpentToken).where(
        *_request_row(ws, idp, request_id, nonce), SpentToken.expires_at > utcnow()))
    return bool(done.rowcount)
