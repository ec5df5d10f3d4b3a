"""The picker's rules (portal.auth.switching): only a mailbox proof crosses, into a
workspace that signs the email in by code; anything else signs in by the target's own
method."""

import pytest

from portal.auth import switching
from portal.models import Workspace


def _ws(code=True, saml=False, required=()):
    return Workspace(slug="t", name="T", sign_in_email_code=code, sign_in_saml=saml,
                     saml_required_domains=list(required))


@pytest.mark.parametrize(("ws", "method"), [
    (_ws(), "email_code"),
    (_ws(code=True, saml=True), "email_code"),  # SAML offered, not required for this domain
    (_ws(code=True, saml=True, required=["Customer.example"]), "saml"),
    (_ws(code=True, saml=True, required=["@customer.example"]), "saml"),
    (_ws(code=True, saml=True, required=["other.example"]), "email_code"),
    (_ws(code=False, saml=True), "saml"),
    (_ws(code=False, saml=False), None),  # only the host application's hand-off
    (_ws(code=True, saml=False, required=["customer.example"]), None),
])
def test_the_targets_own_method(ws, method):
    assert switching.own_method(ws, "pat@customer.example") == method


@pytest.mark.parametrize(("ws", "proof", "accepted"), [
    (_ws(), "email_code", True),
    (_ws(code=True, saml=True), "email_code", True),
    (_ws(), "saml", False),  # an assertion of another workspace proves nothing here
    (_ws(), "jwt", False),
    (_ws(code=False, saml=True), "email_code", False),
    (_ws(code=True, saml=True, required=["customer.example"]), "email_code", False),
    (_ws(code=True, saml=True, required=["customer.example"]), "saml", False),
])
def test_only_a_mailbox_proof_crosses(ws, proof, accepted):
    assert switching.accepts(ws, "pat@customer.example", proof) is accepted
