"""The staff REST API (FAB ModelRestApi) behind FAB's JWT login, scoped by X-Workspace."""

import pytest
from sqlalchemy import select

from portal.models import Account, Contact, CustomerGroup
from portal.services.contacts import customer_admins_group
from portal.tenancy import use_workspace
from tests.factories import api_token, make_account, make_contact


@pytest.fixture
def neighbours(acme, globex):
    rows = {}
    for ws, tag in ((acme, "acme"), (globex, "globex")):
        account = make_account(ws, f"{tag}-account", [f"{tag}.example"])
        contact = make_contact(ws, f"someone@{tag}.example", account=account)
        with use_workspace(ws.id):
            group_id = customer_admins_group(ws).id
        rows[tag] = {"account": account.id, "contact": contact.id, "group": group_id}
    return rows


def _row(db, ws, model, row_id):
    db.session.expire_all()
    with use_workspace(ws.id):
        return db.session.scalar(select(model).where(model.id == row_id))


def test_lists_are_scoped_by_the_workspace_header(api, acme, globex, neighbours):
    client, headers = api("admin", acme)
    for resource, field, mine in (("account", "name", "acme-account"),
                                  ("contact", "email", "someone@acme.example"),
                                  ("group", "name", "Customer Admins")):
        resp = client.get(f"/api/v1/{resource}/", headers=headers)
        assert resp.status_code == 200, resp.text
        body = resp.get_json()
        assert body["count"] == 1 and body["result"][0][field] == mine
        assert body["ids"] == [neighbours["acme"][resource]]


def test_missing_or_foreign_workspace_header_is_a_clear_json_error(api, acme, globex):
    client, headers = api("admin", acme)
    bare = {"Authorization": headers["Authorization"]}
    resp = client.get("/api/v1/account/", headers=bare)
    assert resp.status_code == 400 and resp.get_json()["error"] == "workspace_required"
    for slug in ("globex", "no-such-workspace"):
        resp = client.get("/api/v1/contact/", headers={**bare, "X-Workspace": slug})
        assert resp.status_code == 403 and resp.get_json()["error"] == "unknown_workspace"
    resp = client.get("/api/v1/account/", headers={"X-Workspace": "acme"})
    assert resp.status_code == 401 and resp.is_json


def test_customer_bearer_token_is_not_a_staff_token(client, acme):
    token = api_token(make_contact(acme, "pat@acme.example"))
    resp = client.get("/api/v1/account/",
                      headers={"Authorization": f"Bearer {token}", "X-Workspace": "acme"})
    assert resp.status_code in (401, 422) and resp.is_json


@pytest.mark.parametrize("resource", ["account", "contact", "group"])
def test_id_guessing_answers_404(api, acme, globex, neighbours, db, resource):
    client, headers = api("admin", acme)
    theirs = neighbours["globex"][resource]
    assert client.get(f"/api/v1/{resource}/{theirs}", headers=headers).status_code == 404
    resp = client.put(f"/api/v1/{resource}/{theirs}", json={"name": "hijacked"},
                      headers=headers)
    assert resp.status_code == 404
    assert client.delete(f"/api/v1/{resource}/{theirs}", headers=headers).status_code == 404
    model = {"account": Account, "contact": Contact, "group": CustomerGroup}[resource]
    row = _row(db, globex, model, theirs)
    assert row is not None and getattr(row, "name", None) != "hijacked"


def test_create_update_delete_an_account(api, acme, globex, db):
    client, headers = api("admin", acme)
    resp = client.post("/api/v1/account/", json={"name": "Initech",
                                                 "domains": ["Initech.com", "initech.org"]},
                       headers=headers)
    assert resp.status_code == 201, resp.text
    account_id = resp.get_json()["id"]
    row = _row(db, acme, Account, account_id)
    assert row.workspace_id == acme.id and row.domains == ["initech.com", "initech.org"]

    resp = client.post("/api/v1/account/", json={"name": "Bad", "domains": ["not a domain"]},
                       headers=headers)
    assert resp.status_code == 422
    resp = client.post("/api/v1/account/", json={"name": "Initech"}, headers=headers)
    assert resp.status_code == 422 and "exists" in resp.text

    resp = client.put(f"/api/v1/account/{account_id}",
                      json={"name": "Initech 2", "workspace_id": globex.id}, headers=headers)
    assert resp.status_code == 422  # workspace_id is not an editable field
    resp = client.put(f"/api/v1/account/{account_id}", json={"name": "Initech 2"},
                      headers=headers)
    assert resp.status_code == 200
    row = _row(db, acme, Account, account_id)
    assert (row.name, row.workspace_id) == ("Initech 2", acme.id)
    assert client.delete(f"/api/v1/account/{account_id}", headers=headers).status_code == 200
    assert _row(db, acme, Account, account_id) is None


def test_contacts_link_only_accounts_of_the_same_workspace(api, acme, globex, neighbours, db):
    client, headers = api("admin", acme)
    resp = client.post("/api/v1/contact/", json={
        "email": "New@Acme.example", "name": "New", "account": neighbours["globex"]["account"]},
        headers=headers)
    assert resp.status_code == 422
    resp = client.post("/api/v1/contact/", json={
        "email": "New@Acme.example", "name": "New", "locale": "de-DE",
        "account": neighbours["acme"]["account"]}, headers=headers)
    assert resp.status_code == 201, resp.text
    contact = _row(db, acme, Contact, resp.get_json()["id"])
    assert (contact.email, contact.workspace_id, contact.account_id) == (
        "new@acme.example", acme.id, neighbours["acme"]["account"])
    resp = client.post("/api/v1/contact/", json={"email": "new@acme.example"}, headers=headers)
    assert resp.status_code == 422
    resp = client.post("/api/v1/contact/", json={"email": "x@y.example", "locale": "xx"},
                       headers=headers)
    assert resp.status_code == 422
    resp = client.put(f"/api/v1/contact/{contact.id}",
                      json={"account": neighbours["globex"]["account"]}, headers=headers)
    assert resp.status_code == 422
    assert _row(db, acme, Contact, contact.id).account_id == neighbours["acme"]["account"]


def test_groups_members_and_the_system_group(api, acme, globex, neighbours, db):
    client, headers = api("admin", acme)
    mine, theirs = neighbours["acme"], neighbours["globex"]
    resp = client.put(f"/api/v1/group/{mine['group']}", json={"members": [theirs["contact"]]},
                      headers=headers)
    assert resp.status_code == 422
    resp = client.put(f"/api/v1/group/{mine['group']}", json={"members": [mine["contact"]]},
                      headers=headers)
    assert resp.status_code == 200, resp.text
    assert [m.id for m in _row(db, acme, CustomerGroup, mine["group"]).members] == [
        mine["contact"]]
    resp = client.put(f"/api/v1/group/{mine['group']}", json={"name": "Renamed"},
                      headers=headers)
    assert resp.status_code == 409
    assert client.delete(f"/api/v1/group/{mine['group']}", headers=headers).status_code == 409
    assert _row(db, acme, CustomerGroup, mine["group"]).name == "Customer Admins"
    resp = client.post("/api/v1/group/", json={"name": "VIP", "system": True}, headers=headers)
    assert resp.status_code == 422  # `system` cannot be set
    resp = client.post("/api/v1/group/", json={"name": "VIP"}, headers=headers)
    assert resp.status_code == 201
    assert _row(db, acme, CustomerGroup, resp.get_json()["id"]).system is False


def test_agent_reads_but_cannot_write(api, acme, neighbours):
    client, headers = api("agent", acme)
    contacts = client.get("/api/v1/contact/", headers=headers)
    assert contacts.status_code == 200
    assert contacts.get_json()["ids"] == [neighbours["acme"]["contact"]]
    info = client.get("/api/v1/account/_info", headers=headers)
    assert info.status_code == 200
    assert set(info.get_json()["permissions"]) == {"can_get", "can_info"}  # reads only
    assert client.post("/api/v1/account/", json={"name": "X"},
                       headers=headers).status_code == 403
    assert client.delete(f"/api/v1/contact/{neighbours['acme']['contact']}",
                         headers=headers).status_code == 403
    assert client.get("/api/v1/group/", headers=headers).status_code == 403


def test_platform_admin_uses_any_workspace(api, acme, globex, neighbours):
    client, headers = api("admin", acme, platform=True)
    resp = client.get("/api/v1/account/", headers={**headers, "X-Workspace": "globex"})
    assert resp.get_json()["ids"] == [neighbours["globex"]["account"]]


def test_resources_are_in_the_openapi_document(api, acme):
    client, headers = api("admin", acme)
    resp = client.get("/api/v1/_openapi", headers=headers)
    assert resp.status_code == 200
    paths = resp.get_json()["paths"]
    for resource in ("account", "contact", "group"):
        assert f"/api/v1/{resource}/" in paths and f"/api/v1/{resource}/{{pk}}" in paths
