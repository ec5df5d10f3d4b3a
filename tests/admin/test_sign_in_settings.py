"""Settings > Sign-in: methods, required domains, JIT, identity providers (admins only)."""

import io

from portal.extensions import db
from portal.services import identity_providers
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf
from tests.factories import login_as, make_account, make_contact
from tests.saml_idp import TestIdP

PAGE = "/admin/signinsettings/"


def form(**overrides):
    data = {"sign_in_email_code": "y", "saml_required_domains": "", "jit_link_by_domain": "y",
            "jit_default_account_id": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_turns_methods_and_jit_on_and_off(staff, acme, globex):
    account = make_account(acme, "Default Co")
    other = make_account(globex, "Not Acme's")
    admin = staff("admin", acme)
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert "http://portal.test/sso/acme/saml/metadata" in page.text
    token = fab_csrf(page.text)
    got = admin.post(PAGE, data=form(csrf_token=token, sign_in_jwt="y", jit_provisioning="y",
                                     jit_default_account_id=str(account.id)))
    assert got.status_code == 303, got.text
    db.session.expire_all()
    assert (acme.sign_in_email_code, acme.sign_in_jwt, acme.jit_provisioning,
            acme.jit_default_account_id) == (True, True, True, account.id)
    refused = admin.post(PAGE, data=form(csrf_token=token, sign_in_email_code=None))
    assert refused.status_code == 422 and "Keep at least one sign-in method on" in refused.text
    refused = admin.post(PAGE, data=form(csrf_token=token, sign_in_saml="y",
                                         saml_required_domains="corp.example\nnot a domain"))
    assert refused.status_code == 422
    assert "Add an identity provider before turning SAML on" in refused.text
    assert "is not a domain name" in refused.text
    assert "corp.example\nnot a domain" in refused.text  # what was typed, kept
    refused = admin.post(PAGE, data=form(csrf_token=token, jit_default_account_id=str(other.id)))
    assert refused.status_code == 422 and "Choose one of this workspace" in refused.text
    assert admin.post(PAGE, data=form()).status_code == 400  # no CSRF token
    db.session.expire_all()
    assert acme.jit_default_account_id == account.id


def test_admin_adds_and_removes_identity_providers(staff, acme, tmp_path):
    idp = TestIdP(tmp_path / "idp")
    admin = staff("admin", acme)
    token = fab_csrf(admin.get(PAGE).text)
    fresh = admin.get(PAGE).text  # both signatures are asked for unless unticked
    assert 'name="want_response_signed" value="y" checked' in fresh
    assert 'name="want_assertions_signed" value="y" checked' in fresh
    unsigned = admin.post(PAGE + "providers", content_type="multipart/form-data", data={
        "csrf_token": token, "name": "entra", "preset": "azure",
        "metadata_file": (io.BytesIO(idp.metadata_xml().encode()), "idp.xml")})
    assert unsigned.status_code == 422 and "must be signed" in unsigned.text
    inside = admin.post(PAGE + "providers", data={
        "csrf_token": token, "name": "entra", "preset": "azure", "want_response_signed": "y",
        "metadata_url": "http://127.0.0.1:9/metadata"})
    assert inside.status_code == 422 and "public internet" in inside.text
    got = admin.post(PAGE + "providers", content_type="multipart/form-data", data={
        "csrf_token": token, "name": "entra", "preset": "azure", "map_account": "company",
        "want_assertions_signed": "y",
        "metadata_file": (io.BytesIO(idp.metadata_xml().encode()), "idp.xml")})
    assert got.status_code == 303, got.text
    with use_workspace(acme.id):
        row = identity_providers.by_name(acme, "entra")
        assert (row.want_response_signed, row.want_assertions_signed) == (False, True)
        assert row.attribute_map["account"] == "company"
        assert row.attribute_map["email"].endswith("/emailaddress")
    page = admin.get(PAGE).text
    assert 'data-idp="entra"' in page and idp.entity_id in page
    again = admin.post(PAGE + "providers", content_type="multipart/form-data", data={
        "csrf_token": token, "name": "bad name", "preset": "okta",
        "metadata_file": (io.BytesIO(b"<x/>"), "idp.xml")})
    assert again.status_code == 422 and "lower-case letters" in again.text
    missing = admin.post(PAGE + "providers", data={"csrf_token": token, "name": "x",
                                                   "preset": "okta"})
    assert missing.status_code == 422 and "metadata or give its URL" in missing.text
    got = admin.post(PAGE, data=form(csrf_token=token, sign_in_saml="y",
                                     saml_required_domains="Corp.example, @other.example"))
    assert got.status_code == 303
    db.session.expire_all()
    assert acme.saml_required_domains == ["corp.example", "other.example"]
    got = admin.post(f"{PAGE}providers/{row.id}/remove", data={"csrf_token": token})
    assert got.status_code == 303
    db.session.expire_all()
    with use_workspace(acme.id):
        assert identity_providers.listed(acme) == []
    assert acme.sign_in_saml is False  # off with its last provider


def test_agents_and_customers_may_not(staff, acme, app):
    agent = staff("agent", acme)
    assert agent.get(PAGE).status_code == 403
    customer = app.test_client()
    login_as(customer, make_contact(acme, "pat@customer.example"))
    got = customer.get(PAGE)
    assert got.status_code in (302, 403) and "signinsettings" not in got.headers.get(
        "Location", "x").split("?")[0]
