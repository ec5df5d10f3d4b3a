"""Knowledge base > Directories: nesting, names per language, order, no cycles, deleting,
and the workspace's own directories only."""

import re

from portal.services import articles, directories
from portal.tenancy import use_workspace
from tests.admin.kb_helpers import DIRECTORIES, load, stored_directories, token


def save(client, data, url=DIRECTORIES + "/new", status=303):
    form = {"csrf_token": token(client, DIRECTORIES + "/new"), "position": "0",
            "parent_id": "", "slug": "", **data}
    resp = client.post(url, data=form)
    assert resp.status_code == status, (resp.status_code, resp.text[:600])
    return resp


def test_nested_directories_with_names_per_language_and_order(staff, acme):
    client = staff("admin", acme)
    save(client, {"name_en-US": "Billing", "name_de-DE": "Abrechnung", "position": "2"})
    save(client, {"name_en-US": "Accounts", "position": "1"})
    billing, accounts = stored_directories(acme)
    assert billing.names == {"en-US": "Billing", "de-DE": "Abrechnung"}
    assert billing.slug == "billing"
    save(client, {"name_en-US": "Invoices", "parent_id": str(billing.id),
                  "description_en-US": "Copies and corrections"})
    invoices = stored_directories(acme)[2]
    assert invoices.parent_id == billing.id
    assert invoices.descriptions == {"en-US": "Copies and corrections"}

    listing = client.get(DIRECTORIES + "/").text
    rows = re.findall(r'<tr id="directory-(\d+)" data-depth="(\d)">', listing)
    assert rows == [(str(accounts.id), "0"), (str(billing.id), "0"), (str(invoices.id), "1")]
    with use_workspace(acme.id):
        assert [(d.slug, depth) for d, depth in directories.directories(acme)] == [
            ("accounts", 0), ("billing", 0), ("invoices", 1)]

    save(client, {"name_en-US": "Billing", "name_de-DE": "Rechnungen", "position": "0",
                  "slug": "money"}, url=f"{DIRECTORIES}/{billing.id}/edit")
    billing = stored_directories(acme)[0]
    assert billing.names["de-DE"] == "Rechnungen" and billing.slug == "money"


def test_a_directory_cannot_be_its_own_ancestor(staff, acme):
    client = staff("admin", acme)
    save(client, {"name_en-US": "Top"})
    top = stored_directories(acme)[0]
    save(client, {"name_en-US": "Middle", "parent_id": str(top.id)})
    middle = stored_directories(acme)[1]
    save(client, {"name_en-US": "Bottom", "parent_id": str(middle.id)})
    bottom = stored_directories(acme)[2]

    form = client.get(f"{DIRECTORIES}/{top.id}/edit").text
    offered = re.findall(r'<option value="(\d+)"', form)
    assert offered == []  # every other directory sits under Top
    for parent in (top, bottom, middle):
        resp = save(client, {"name_en-US": "Top", "parent_id": str(parent.id)},
                    url=f"{DIRECTORIES}/{top.id}/edit", status=422)
        assert 'id="error-parent"' in resp.text
    assert stored_directories(acme)[0].parent_id is None


def test_name_is_required_and_position_a_number(staff, acme):
    client = staff("admin", acme)
    resp = save(client, {"name_en-US": "  "}, status=422)
    assert 'id="error-names"' in resp.text
    resp = save(client, {"name_en-US": "X", "position": "first"}, status=422)
    assert 'id="error-position"' in resp.text
    assert stored_directories(acme) == []


def test_delete_leaves_first_and_articles_move_out(staff, acme):
    client = staff("admin", acme)
    save(client, {"name_en-US": "Parent"})
    parent = stored_directories(acme)[0]
    save(client, {"name_en-US": "Child", "parent_id": str(parent.id)})
    child = stored_directories(acme)[1]
    with use_workspace(acme.id):
        article = articles.save(acme, locale="en-US", title="Inside", directory_id=child.id)
        article_id = article.id
    resp = client.post(f"{DIRECTORIES}/{parent.id}/delete", data={"csrf_token": token(client)})
    assert resp.status_code == 409 and "subdirectories first" in resp.text
    assert len(stored_directories(acme)) == 2
    client.post(f"{DIRECTORIES}/{child.id}/delete", data={"csrf_token": token(client)})
    client.post(f"{DIRECTORIES}/{parent.id}/delete", data={"csrf_token": token(client)})
    assert stored_directories(acme) == []
    assert load(acme, article_id).directory_id is None


def test_directories_are_scoped_to_the_workspace(staff, acme, globex):
    with use_workspace(globex.id):
        theirs = directories.save_directory(globex, names={"en-US": "Globex only"})
        theirs_id = theirs.id
    client = staff("admin", acme)
    assert "Globex only" not in client.get(DIRECTORIES + "/").text
    assert "Globex only" not in client.get(DIRECTORIES + "/new").text
    assert client.get(f"{DIRECTORIES}/{theirs_id}/edit").status_code == 404
    csrf = token(client)
    assert client.post(f"{DIRECTORIES}/{theirs_id}/edit",
                       data={"csrf_token": csrf, "name_en-US": "Taken"}).status_code == 404
    assert client.post(f"{DIRECTORIES}/{theirs_id}/delete",
                       data={"csrf_token": csrf}).status_code == 404
    resp = save(client, {"name_en-US": "Mine", "parent_id": str(theirs_id)}, status=422)
    assert 'id="error-parent"' in resp.text
    assert [d.names for d in stored_directories(globex)] == [{"en-US": "Globex only"}]
    assert stored_directories(acme) == []


def test_agent_sees_directories_but_cannot_change_them(staff, acme):
    admin = staff("admin", acme)
    save(admin, {"name_en-US": "Shared"})
    pk = stored_directories(acme)[0].id
    agent = staff("agent", acme)
    listing = agent.get(DIRECTORIES + "/")
    assert listing.status_code == 200 and "Shared" in listing.text
    assert f"{DIRECTORIES}/{pk}/edit" not in listing.text
    csrf = token(agent, DIRECTORIES + "/")
    for method, path in (("get", "/new"), ("get", f"/{pk}/edit"), ("post", "/new"),
                         ("post", f"/{pk}/edit"), ("post", f"/{pk}/delete")):
        resp = getattr(agent, method)(DIRECTORIES + path,
                                      data={"csrf_token": csrf, "name_en-US": "Changed"})
        assert resp.status_code == 403 or "/login" in resp.headers.get("Location", ""), path
    assert [d.names for d in stored_directories(acme)] == [{"en-US": "Shared"}]
