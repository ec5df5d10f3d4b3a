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


def _add(admin, token, idp, name, **extra):
    return admin.post(PAGE + "providers", content_type="multipart/form-data", data={
        "csrf_token": token, "name": name, "preset": "okta", "want_response_signed": "y",
        "want_assertions_signed": "y", **extra,
        "metadata_file": (io.BytesIO(idp.metadata_xml().encode()), "idp.xml")})


def test_identity_providers_get_email_domains_and_a_warning_without(staff, acme, tmp_path):
    corp = TestIdP(tmp_path / "corp")
    partner = TestIdP(tmp_path / "partner", host="partner-idp.test", name="partner")
    admin = staff("admin", acme)
    token = fab_csrf(admin.get(PAGE).text)
    bad = _add(admin, token, corp, "corp", email_domains="corp.example\nbad_domain!")
    assert bad.status_code == 422 and "bad_domain! is not a domain name" in bad.text
    assert "corp.example\nbad_domain!" in bad.text  # what was typed, kept
    assert _add(admin, token, corp, "corp",
                email_domains="Corp.example, @sub.corp.example").status_code == 303
    with use_workspace(acme.id):
        assert identity_providers.by_name(acme, "corp").email_domains == [
            "corp.example", "sub.corp.example"]
    page = admin.get(PAGE).text
    assert "corp.example, sub.corp.example" in page and "data-unlimited" not in page
    assert _add(admin, token, partner, "partner").status_code == 303
    page = admin.get(PAGE).text
    assert 'data-unlimited="partner"' in page and 'data-unlimited="corp"' not in page
    assert "partner may sign in people of any email domain" in page


def test_metadata_sign_in_cannot_use_is_refused_when_added(staff, acme, tmp_path):
    from tests.saml_idp import expired, without_redirect_binding

    idp = TestIdP(tmp_path / "idp")
    admin = staff("admin", acme)
    token = fab_csrf(admin.get(PAGE).text)
    for spoil, text in ((expired, "The metadata has expired"),
                        (without_redirect_binding, "no sign-on address for the HTTP-Redirect")):
        got = admin.post(PAGE + "providers", content_type="multipart/form-data", data={
            "csrf_token": token, "name": "corp", "preset": "okta", "want_response_signed": "y",
            "metadata_file": (io.BytesIO(spoil(idp.metadata_xml()).encode()), "idp.xml")})
        assert got.status_code == 422 and text in got.text, got.text


def test_a_bad_metadata_url_is_a_message_not_an_error(staff, acme):
    admin = staff("admin", acme)
    token = fab_csrf(admin.get(PAGE).text)
    got = admin.post(PAGE + "providers", data={
        "csrf_token": token, "name": "corp", "preset": "okta", "want_response_signed": "y",
        "metadata_url": "https://idp.example:99999/metadata"})
    assert got.status_code == 422 and "could not be fetched" in got.text


def test_removing_the_last_provider_clears_the_required_domains(staff, acme, tmp_path):
    idp = TestIdP(tmp_path / "idp")
    admin = staff("admin", acme)
    token = fab_csrf(admin.get(PAGE).text)
    assert _add(admin, token, idp, "corp").status_code == 303
    assert admin.post(PAGE, data=form(csrf_token=token, sign_in_saml="y",
                                      saml_required_domains="corp.example")).status_code == 303
    with use_workspace(acme.id):
        row = identity_providers.by_name(acme, "corp")
    assert admin.post(f"{PAGE}providers/{row.id}/remove",
                      data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert (acme.sign_in_saml, acme.saml_required_domains) == (False, [])
    page = admin.get(PAGE).text
    got = admin.post(PAGE, data=form(csrf_token=fab_csrf(page), saml_required_domains=""))
    assert got.status_code == 303, got.text  # the form as shown saves
