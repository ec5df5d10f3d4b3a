"""Every SAML response the ACS must refuse, each with the portal's refusal page (401,
translated) and a log line; nothing signs in."""

import pytest

from portal.extensions import db as database
from portal.models import CustomerSession
from tests.factories import make_contact, make_workspace
from tests.saml_idp import (
    SP_ACS,
    SP_ENTITY,
    TestIdP,
    add_idp,
    assert_refused,
    decoded,
    encoded,
    other_sp_metadata,
    post_response,
    shift_idp_clock,
    start_login,
)


@pytest.fixture
def idp(tmp_path):
    return TestIdP(tmp_path / "idp")


@pytest.fixture
def ann(acme):
    return make_contact(acme, "ann@corp.example", name="Ann")


def answer(idp, ws, request_id=None, email="ann@corp.example", **options):
    options.setdefault("acs", SP_ACS.format(slug=ws.slug))
    options.setdefault("sp", SP_ENTITY.format(slug=ws.slug))
    return idp.respond(email=email, in_response_to=request_id, **options)


def test_unsigned_response_is_refused_when_the_idp_must_sign_it(client, acme, idp, ann,
                                                                 caplog):
    add_idp(acme, idp, client)
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, request_id, sign_response=False))
    assert_refused(got, caplog, "not signed as it must be")


def test_unsigned_assertion_is_refused(client, acme, idp, ann, caplog):
    add_idp(acme, idp, client, want_response_signed=False)
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, request_id, sign_assertion=False))
    assert_refused(got, caplog, "not signed as it must be")


def test_a_signed_assertion_alone_is_enough_when_configured(client, acme, idp, ann):
    add_idp(acme, idp, client, want_response_signed=False)
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, request_id, sign_response=False))
    assert got.status_code == 302, got.text


def test_tampered_response_is_refused(client, acme, idp, ann, caplog):
    make_contact(acme, "eve@corp.example")
    add_idp(acme, idp, client)
    request_id = start_login(client, acme, idp)
    xml = decoded(answer(idp, acme, request_id))
    assert xml.count("ann@corp.example") >= 2
    got = post_response(client, acme, encoded(xml.replace("ann@corp.example",
                                                          "eve@corp.example")))
    assert_refused(got, caplog, "signature is wrong")


def test_response_signed_by_another_key_is_refused(client, acme, idp, ann, caplog, tmp_path):
    add_idp(acme, idp, client)
    impostor = TestIdP(tmp_path / "impostor", name="impostor")
    impostor.trust_sp(client.get("/sso/acme/saml/metadata").text)
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(impostor, acme, request_id,
                                             issuer=idp.entity_id))
    assert_refused(got, caplog, "signature is wrong")


def test_sha1_signatures_are_refused(client, acme, idp, ann, caplog):
    add_idp(acme, idp, client)
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, request_id, sha1=True))
    assert_refused(got, caplog, "SHA-256")


def test_replayed_sp_initiated_response_is_refused(client, acme, idp, ann, caplog):
    add_idp(acme, idp, client)
    request_id = start_login(client, acme, idp)
    response = answer(idp, acme, request_id)
    assert post_response(client, acme, response).status_code == 302
    database.session.execute(database.delete(CustomerSession).execution_options(
        all_workspaces=True))
    database.session.commit()
    got = post_response(client, acme, response)
    assert_refused(got, caplog, "expired or was already used")


def test_replayed_idp_initiated_response_is_refused(client, acme, idp, ann, caplog):
    add_idp(acme, idp, client, allow_idp_initiated=True)
    response = answer(idp, acme)
    assert post_response(client, acme, response).status_code == 302
    database.session.execute(database.delete(CustomerSession).execution_options(
        all_workspaces=True))
    database.session.commit()
    got = post_response(client, acme, response)
    assert_refused(got, caplog, "already used")


@pytest.mark.parametrize("wrong", [{"sp": "https://elsewhere.example/saml/metadata"},
                                   {"acs": "https://elsewhere.example/saml/acs"}],
                         ids=["audience", "destination"])
def test_wrong_audience_or_destination_is_refused(client, acme, idp, ann, caplog, wrong):
    add_idp(acme, idp, client)
    idp.trust_sp(other_sp_metadata("https://elsewhere.example/saml/metadata",
                                   "https://elsewhere.example/saml/acs"))
    request_id = start_login(client, acme, idp)
    got = post_response(client, acme, answer(idp, acme, request_id, **wrong))
    assert_refused(got, caplog, "meant for another site")


@pytest.mark.parametrize("seconds", [600, -600], ids=["not-yet-valid", "expired"])
def test_assertions_outside_their_time_beyond_the_skew_are_refused(
        client, acme, idp, ann, caplog, monkeypatch, seconds):
    add_idp(acme, idp, client)
    request_id = start_login(client, acme, idp)
    shift_idp_clock(monkeypatch, seconds)
    response = answer(idp, acme, request_id)
    monkeypatch.undo()
    got = post_response(client, acme, response)
    assert_refused(got, caplog, "expired or is not valid yet")


def test_a_clock_off_within_the_skew_is_accepted(client, acme, idp, ann, monkeypatch):
    add_idp(acme, idp, client)
    request_id = start_login(client, acme, idp)
    shift_idp_clock(monkeypatch, 60)
    response = answer(idp, acme, request_id)
    monkeypatch.undo()
    assert post_response(client, acme, response).status_code == 302


def test_unsolicited_response_is_refused_unless_the_idp_may_start_sign_in(client, acme, idp,
                                                                        ann, caplog):
    add_idp(acme, idp, client)
    got = post_response(client, acme, answer(idp, acme))
    assert_refused(got, caplog, "must start from this portal")


def test_an_answer_to_an_unknown_request_is_refused(client, acme, idp, ann, caplog):
    add_idp(acme, idp, client, allow_idp_initiated=True)
    got = post_response(client, acme, answer(idp, acme, "id-never-sent"))
    assert_refused(got, caplog, "expired or was already used")


def test_a_response_for_another_workspace_is_refused(client, acme, idp, ann, caplog):
    globex = make_workspace(slug="globex")
    make_contact(globex, "ann@corp.example")
    add_idp(acme, idp, client, allow_idp_initiated=True)
    add_idp(globex, idp, client, allow_idp_initiated=True)
    for_globex = answer(idp, globex)
    got = post_response(client, acme, for_globex)
    assert_refused(got, caplog, "meant for another site")
    # and one for acme is refused at globex's door
    got = post_response(client, globex, answer(idp, acme))
    assert got.status_code == 401


def test_an_issuer_unknown_to_the_workspace_is_refused(client, acme, idp, ann, caplog,
                                                       tmp_path):
    add_idp(acme, idp, client)
    other = TestIdP(tmp_path / "other", host="other-idp.test", name="other")
    other.trust_sp(client.get("/sso/acme/saml/metadata").text)
    got = post_response(client, acme, answer(other, acme))
    assert_refused(got, caplog, "could not be accepted")


def test_saml_sign_in_off_refuses_every_response(client, acme, idp, ann, caplog):
    add_idp(acme, idp, client, allow_idp_initiated=True)
    acme.sign_in_saml = False
    database.session.commit()
    got = post_response(client, acme, answer(idp, acme))
    assert_refused(got, caplog, "not available")
    assert client.get("/sso/acme/saml/login").status_code == 404


def test_garbage_is_refused(client, acme, idp, caplog):
    add_idp(acme, idp, client)
    assert_refused(post_response(client, acme, "not base64 at all!"), caplog, "")
    assert_refused(post_response(client, acme, encoded("<x/>")), caplog, "")


def test_the_refusal_page_is_translated(client, acme, idp, ann):
    acme.enabled_locales = ["en-US", "de-DE"]
    acme.default_locale = "de-DE"
    add_idp(acme, idp, client)
    got = post_response(client, acme, answer(idp, acme))
    assert got.status_code == 401
    assert "Anmeldung abgelehnt" in got.text or "abgelehnt" in got.text
