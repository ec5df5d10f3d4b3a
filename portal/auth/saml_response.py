"""What the assertion consumer service accepts: a SAML response that pysaml2 (xmlsec1)
verified for this workspace, then checked here for what pysaml2 leaves to us.

Refused, each with its reason logged and a message for the customer (SamlRefused):
- the workspace has SAML sign-in off, or the issuer is none of its enabled IdPs (a
  response for another workspace names another audience and destination, and pysaml2
  refuses those too);
- an answer to a request this workspace did not send, or sent for another browser (the
  nonce cookie of portal.web.sso), or already saw answered (InResponseTo not outstanding,
  checked again as the request is closed: of two answers racing, one wins), and an
  unsolicited one unless the IdP allows IdP-initiated sign-in;
- anything pysaml2 refuses: a missing signature where the IdP's settings want one, a
  tampered or wrongly signed document, a wrong audience or destination, an assertion
  expired or not yet valid beyond SAML_CLOCK_SKEW_SECONDS;
- a signature made with SHA-1 (or weaker), which pysaml2 accepts;
- a response or assertion id seen before (a replay: portal.auth.spent);
- no email in the mapped attribute nor as the NameID;
- an email whose domain is not one of the IdP's email domains, when it has some (an IdP
  must not sign in the people of another organisation of the workspace).
"""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _

from portal.auth import saml
from portal.auth.next_url import safe_next
from portal.auth.spent import spend
from portal.models import Contact, IdentityProvider, Workspace
from portal.models.base import utcnow
from portal.services import contacts, identity_providers
from portal.services.errors import Unauthorized

MAX_RESPONSE_CHARS = 512 * 1024


class SamlRefused(Unauthorized):
    """A refused SAML response: `message` for the customer, `reason` for the log."""

    def __init__(self, message: str, reason: str):
        super().__init__(message, reason=reason)
        self.reason = reason


@dataclass
class Proven:
    idp: IdentityProvider
    email: str
    name: str | None
    account: str | None
    next_path: str | None


def _refused(reason: str, message: str | None = None) -> SamlRefused:
    return SamlRefused(message or _("The identity provider's answer could not be accepted. "
                                    "Please try again."), reason)


def _peek(saml_response: str):
    """The response as sent, unverified: only to choose the IdP whose keys check it."""
    if not saml_response or len(saml_response) > MAX_RESPONSE_CHARS:
        raise _refused("no response or too large")
    from saml2.samlp import response_from_string  # at first use (portal.auth.saml)

    try:
        xml = base64.b64decode(saml_response, validate=False)
        parsed = response_from_string(xml)
    except (binascii.Error, ValueError, Exception):  # noqa: BLE001 (any unreadable XML)
        parsed = None
    if parsed is None or parsed.issuer is None or not parsed.issuer.text:
        raise _refused("not a SAML response")
    return parsed


def accept(ws: Workspace, saml_response: str, relay_state: str | None,
           nonce: str | None = None) -> Proven:
    """The verified identity in `saml_response`; `nonce`: the browser's request nonce
    (portal.web.sso), which an answer to a request must have been started with."""
    if not ws.sign_in_saml:
        raise _refused("SAML sign-in is off", _("Single sign-on is not available here."))
    peeked = _peek(saml_response)
    idp = identity_providers.by_entity_id(ws, peeked.issuer.text.strip())
    if idp is None or not idp.enabled:
        raise _refused(f"issuer {peeked.issuer.text[:200]!r} is no enabled IdP here")
    if peeked.destination and peeked.destination != saml.sp_urls(ws)["acs"]:
        raise _refused(f"destination {peeked.destination[:200]!r} is not this ACS",
                       _("The identity provider's answer is meant for another site."))
    request_id = peeked.in_response_to
    stale = _refused("InResponseTo names no outstanding request (used, expired or another "
                     "browser's)", _("This sign-in has expired or was already used. Please "
                                     "sign in again."))
    if request_id and not saml.is_outstanding(ws, idp, request_id, nonce):
        raise stale
    if not request_id and not idp.allow_idp_initiated:
        raise _refused("unsolicited response, IdP-initiated sign-in is off",
                       _("Sign-in must start from this portal's sign-in page."))
    from saml2 import BINDING_HTTP_POST

    outstanding = {request_id: relay_state or ""} if request_id else {}
    try:
        verified = saml.client(ws, idp).parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=outstanding)
    except Exception as exc:  # noqa: BLE001 (pysaml2 has a class per refusal)
        raise _refused_by_pysaml2(exc) from None
    if verified is None or verified.assertion is None:
        raise _refused("pysaml2 returned no assertion")
    _check_signatures(idp, verified)
    if request_id and not saml.close_request(ws, idp, request_id, nonce):
        raise stale  # answered meanwhile by another response
    _spend(ws, verified)
    email, name, account = _identity(idp, verified)
    if not identity_providers.may_sign_in(idp, email):
        raise _refused(f"{email} is outside the email domains of {idp.name}",
                       _("Your organisation's identity provider may not sign in addresses "
                         "of %(domain)s.", domain=email.rsplit("@", 1)[-1]))
    return Proven(idp, email, name, account, safe_next(relay_state))


def _refused_by_pysaml2(exc: Exception) -> SamlRefused:
    kind, text = type(exc).__name__, str(exc)[:300]
    reason = f"{kind}: {text}"
    lowered = f"{kind} {text}".lower()
    if "sign" in lowered:
        return _refused(reason, _("The identity provider's answer is not signed as it must "
                                  "be, or its signature is wrong."))
    if any(word in lowered for word in ("lifetime", "toearly", "too early", "expired",
                                        "notonorafter", "notbefore", "time")):
        return _refused(reason, _("The identity provider's answer has expired or is not "
                                  "valid yet. Check the clocks and sign in again."))
    if any(word in lowered for word in ("audience", "destin", "condition", "recipient")):
        return _refused(reason, _("The identity provider's answer is meant for another "
                                  "site."))
    return _refused(reason)


def _signed_with(signature) -> list[str]:
    info = signature.signed_info
    found = [info.signature_method.algorithm if info.signature_method else ""]
    found += [ref.digest_method.algorithm if ref.digest_method else ""
              for ref in info.reference or []]
    return found


def _check_signatures(idp: IdentityProvider, verified) -> None:
    """Signed as the IdP's settings want, and with nothing weaker than SHA-256 (pysaml2
    checked the signatures themselves)."""
    response = verified.response
    signatures = [s for s in [response.signature] + [a.signature for a in response.assertion]
                  if s is not None]
    if idp.want_response_signed and response.signature is None:
        raise _refused("response unsigned", _("The identity provider's answer is not signed "
                                              "as it must be, or its signature is wrong."))
    if idp.want_assertions_signed and any(a.signature is None for a in response.assertion):
        raise _refused("assertion unsigned", _("The identity provider's answer is not signed "
                                               "as it must be, or its signature is wrong."))
    for signature in signatures:
        for algorithm in _signed_with(signature):
            if not algorithm or any(weak in algorithm.lower() for weak in saml.WEAK):
                raise _refused(f"weak signature algorithm {algorithm!r}",
                               _("The identity provider signs with an algorithm that is no "
                                 "longer safe (use SHA-256)."))


def _spend(ws: Workspace, verified) -> None:
    """Each response and assertion is usable once, until it would have expired anyway."""
    not_after = verified.session_info().get("not_on_or_after") or 0
    skew = timedelta(seconds=current_app.config["SAML_CLOCK_SKEW_SECONDS"])
    expires = max(datetime.fromtimestamp(not_after, UTC) if not_after else utcnow(),
                  utcnow()) + skew + timedelta(days=1)
    for key in (f"response:{verified.id()}", f"assertion:{verified.assertion.id}"):
        if not spend(ws.id, "saml", key, expires):
            raise _refused(f"replayed ({key})", _("This sign-in was already used. Please "
                                                  "sign in again."))


def attributes_of(verified) -> dict[str, list[str]]:
    """The assertion's attributes under the names the IdP sent (pysaml2's `ava` renames
    the ones it knows)."""
    found: dict[str, list[str]] = {}
    for statement in verified.assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values = [str(v.text).strip() for v in attribute.attribute_value or []
                      if v is not None and v.text]
            found.setdefault(attribute.name, []).extend(values)
    return found


def _identity(idp: IdentityProvider, verified) -> tuple[str, str | None, str | None]:
    values = attributes_of(verified)
    mapping = idp.attribute_map or {}

    def first(key: str) -> str | None:
        name = mapping.get(key)
        return (values.get(name) or [None])[0] if name else None

    email = first("email")
    name_id = verified.assertion.subject.name_id if verified.assertion.subject else None
    if not email and name_id is not None and "@" in (name_id.text or ""):
        email = name_id.text.strip()
    if not email or "@" not in email or len(email) > 320:
        raise _refused(f"no email in {mapping.get('email')!r} nor the NameID",
                       _("The identity provider did not send your email address."))
    name = " ".join(part for part in (first("first_name"), first("last_name")) if part)
    return email.strip().lower(), name or None, first("account")


def contact_for(ws: Workspace, proven: Proven) -> Contact:
    """The contact the IdP proved: known, or new when the workspace provisions just in
    time; refused otherwise, or when the contact is deactivated."""
    contact = contacts.by_email(ws, proven.email)
    if contact is None and ws.jit_provisioning:
        contact = contacts.provision(ws, proven.email, proven.name, proven.account)
    if contact is None:
        raise _refused(f"{proven.email} is no contact and JIT provisioning is off",
                       _("Your organisation's sign-in worked, but you have no access to this "
                         "portal yet. Ask the support team to invite you."))
    if not contact.active:
        raise _refused(f"{proven.email} is deactivated",
                       _("Your access to this portal has been turned off."))
    contact.verified = True
    return contact
