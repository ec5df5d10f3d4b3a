"""Settings > Webhooks and /api/v1/webhook/: admins list, create (the secret shown once),
edit, regenerate the secret of, delete endpoints and redeliver their deliveries, with
CSRF tokens on every form; agents and other workspaces' admins get nothing."""

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import WebhookDelivery, WebhookEndpoint
from portal.services import webhooks
from portal.tenancy import use_workspace
from tests import webhook_receiver
from tests.admin.conftest import fab_csrf

URL = "/admin/webhooks/"
API = "/api/v1/webhook/"


def secret_on(page: str) -> str | None:
    found = re.search(r'id="secret-value"[^>]*value="(whsec_[^"]+)"', page)
    return found.group(1) if found else None


def rows(ws):
    db.session.expire_all()
    with use_workspace(ws.id):
        return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def test_an_admin_adds_edits_redelivers_and_deletes_a_webhook(staff, acme, private_ok,
                                                             receiver, jobs):
    admin = staff("admin", acme)
    page = admin.get(URL)
    assert page.status_code == 200 and "No webhooks yet." in page.text
    assert "/admin/webhooks/" in admin.get("/admin/").text  # in the Settings menu
    token = fab_csrf(page.text)
    refused = admin.post(URL, data={"url": "ftp://nowhere", "events": ["ticket.created"],
                                    "csrf_token": token})
    assert refused.status_code == 422 and "https://" in refused.text and rows(acme) == []
    no_events = admin.post(URL, data={"url": receiver.url, "csrf_token": token})
    assert no_events.status_code == 422 and "at least one event" in no_events.text
    assert f'value="{receiver.url}"' in no_events.text  # the input is kept
    without_csrf = admin.post(URL, data={"url": receiver.url, "events": ["ticket.created"]})
    assert without_csrf.status_code in (302, 400) and rows(acme) == []

    created = admin.post(URL, data={"url": receiver.url, "events": ["csat.submitted"],
                                    "description": "CRM", "active": "1",
                                    "csrf_token": token})
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    secret = secret_on(created.text)
    [row] = rows(acme)
    assert secret == row.secret and row.events == ["csat.submitted"] and row.active
    again = admin.get(f"{URL}{row.id}")
    assert again.status_code == 200 and secret not in again.text
    assert secret not in admin.get(URL).text and receiver.url in admin.get(URL).text

    saved = admin.post(f"{URL}{row.id}", data={
        "url": receiver.url, "events": ["csat.submitted", "ticket.created"], "active": "1",
        "description": "CRM sync", "csrf_token": token})
    assert saved.status_code == 303
    [row] = rows(acme)
    assert row.events == ["ticket.created", "csat.submitted"] and row.description == "CRM sync"

    regenerated = admin.post(f"{URL}{row.id}/secret", data={"csrf_token": token})
    new_secret = secret_on(regenerated.text)
    assert new_secret and new_secret != secret and rows(acme)[0].secret == new_secret

    db.session.expire_all()  # acme as a new request reads it: with its webhook events
    with use_workspace(acme.id):
        webhooks.emit(acme, "csat.submitted", {"score": 5})
        db.session.commit()
    jobs()
    listing = admin.get(f"{URL}{row.id}").text
    assert "csat.submitted" in listing and "Delivered" in listing
    with use_workspace(acme.id):
        delivery_id = db.session.scalar(select(WebhookDelivery.id))
    redelivered = admin.post(f"{URL}{row.id}/deliveries/{delivery_id}/redeliver",
                             data={"csrf_token": token})
    assert redelivered.status_code == 303
    jobs()
    assert len(receiver.received) == 2
    assert webhook_receiver.signature_ok(receiver.received[1], new_secret)
    assert admin.post(f"{URL}{row.id}/deliveries/999999/redeliver",
                      data={"csrf_token": token}).status_code == 404

    deleted = admin.post(f"{URL}{row.id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303 and rows(acme) == []
    with use_workspace(acme.id):
        assert db.session.scalar(select(WebhookDelivery.id)) is None


def test_the_page_refuses_a_private_target_without_the_setting(staff, acme):
    admin = staff("admin", acme)
    token = fab_csrf(admin.get(URL).text)
    page = admin.post(URL, data={"url": "http://127.0.0.1:9/hook", "events": ["ticket.created"],
                                 "csrf_token": token})
    assert page.status_code == 422 and "public internet" in page.text and rows(acme) == []


def test_agents_and_other_workspaces_get_nothing(staff, acme, globex, private_ok, receiver):
    with use_workspace(acme.id):
        row, _secret = webhooks.create(acme, url=receiver.url, events=["ticket.created"])
    agent = staff("agent", acme)
    assert agent.get(URL).status_code == 403
    assert agent.get(f"{URL}{row.id}").status_code == 403
    neighbour = staff("admin", globex)
    assert receiver.url not in neighbour.get(URL).text
    assert neighbour.get(f"{URL}{row.id}").status_code == 404
    token = fab_csrf(neighbour.get(URL).text)
    assert neighbour.post(f"{URL}{row.id}/delete", data={"csrf_token": token}).status_code == 404
    assert len(rows(acme)) == 1


def test_the_staff_api_creates_lists_updates_and_deletes(api, acme, globex, private_ok,
                                                        receiver, jobs):
    client, headers = api("admin", acme)
    assert client.get(API, headers=headers).get_json() == {"result": []}
    bad = client.post(API, headers=headers, json={"url": receiver.url, "events": ["nope"]})
    assert bad.status_code == 422 and bad.get_json()["details"]["field"].startswith("events")
    missing = client.post(API, headers=headers, json={"url": receiver.url})
    assert missing.status_code == 422
    created = client.post(API, headers=headers, json={
        "url": receiver.url, "events": ["csat.submitted", "ticket.created"],
        "description": "CRM"})
    assert created.status_code == 201, created.text
    assert created.headers["Cache-Control"] == "no-store"
    body = created.get_json()
    pk, secret = body["result"]["id"], body["secret"]
    assert secret.startswith("whsec_")
    assert body["result"]["events"] == ["ticket.created", "csat.submitted"]
    assert body["result"]["active"] is True
    listed = client.get(API, headers=headers)
    assert [r["id"] for r in listed.get_json()["result"]] == [pk] and secret not in listed.text
    assert client.get(f"{API}{pk}", headers=headers).get_json()["result"]["description"] == "CRM"

    changed = client.put(f"{API}{pk}", headers=headers, json={"active": False})
    assert changed.status_code == 200 and changed.get_json()["result"]["active"] is False
    assert "secret" not in changed.get_json()
    assert changed.get_json()["result"]["url"] == receiver.url  # left out: kept
    private = client.put(f"{API}{pk}", headers=headers, json={"url": "http://10.0.0.1/"})
    assert private.status_code == 200  # the operator allows private targets here
    rotated = client.put(f"{API}{pk}", headers=headers, json={
        "regenerate_secret": True, "url": receiver.url, "active": True})
    new_secret = rotated.get_json()["secret"]
    assert new_secret != secret

    db.session.expire_all()  # acme as a new request reads it: with its webhook events
    with use_workspace(acme.id):
        webhooks.emit(acme, "csat.submitted", {"score": 5})
        db.session.commit()
    jobs()
    [delivery] = client.get(f"{API}{pk}/deliveries", headers=headers).get_json()["result"]
    assert delivery["status"] == "delivered" and delivery["response_code"] == 200
    assert delivery["attempts"] == 1 and delivery["event"] == "csat.submitted"
    again = client.post(f"{API}{pk}/deliveries/{delivery['id']}/redeliver", headers=headers)
    assert again.status_code == 201 and again.get_json()["result"]["status"] == "pending"
    jobs()
    assert len(receiver.received) == 2
    assert webhook_receiver.signature_ok(receiver.received[1], new_secret)

    # another workspace's admin sees none of it
    other, other_headers = api("admin", globex)
    assert other.get(API, headers=other_headers).get_json() == {"result": []}
    for method, path in (("get", f"{API}{pk}"), ("get", f"{API}{pk}/deliveries"),
                         ("put", f"{API}{pk}"), ("delete", f"{API}{pk}"),
                         ("post", f"{API}{pk}/deliveries/{delivery['id']}/redeliver")):
        answer = getattr(other, method)(path, headers=other_headers,
                                        **({"json": {}} if method == "put" else {}))
        assert answer.status_code == 404 and answer.is_json, (method, path)
    agent, agent_headers = api("agent", acme)
    assert agent.get(API, headers=agent_headers).status_code == 403

    assert client.delete(f"{API}{pk}", headers=headers).status_code == 200
    assert client.get(f"{API}{pk}", headers=headers).status_code == 404
    assert client.get(API, headers=headers).get_json() == {"result": []}


def test_the_staff_api_refuses_a_private_target_without_the_setting(api, acme):
    client, headers = api("admin", acme)
    answer = client.post(API, headers=headers, json={"url": "http://127.0.0.1/hook",
                                                     "events": ["ticket.created"]})
    assert answer.status_code == 422 and answer.get_json()["details"]["field"] == "url"
