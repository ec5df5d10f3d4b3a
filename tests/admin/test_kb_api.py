"""Staff REST API for the knowledge base (/api/v1/article/, /api/v1/directory/): the
admin pages' operations behind FAB's JWT login, scoped by X-Workspace."""

import io

from portal.services import articles, directories
from portal.tenancy import use_workspace
from tests.admin.kb_helpers import ARTICLE_API, load, make_pdf, stored_directories

A = ARTICLE_API
D = "/api/v1/directory/"


def test_article_lifecycle_through_the_api(api, acme):
    client, headers = api("admin", acme)
    resp = client.post(D, json={"names": {"en-US": "Billing", "de-DE": "Abrechnung"},
                                "position": 1}, headers=headers)
    assert resp.status_code == 201, resp.text
    folder = resp.get_json()["result"]
    assert folder["slug"] == "billing" and folder["parent_id"] is None

    resp = client.post(A, json={"kind": "native", "title": "Pay an invoice",
                                "description": "Card or transfer",
                                "body": "Use **the portal**. <script>x()</script>",
                                "directory_id": folder["id"], "audience": "verified"},
                       headers=headers)
    assert resp.status_code == 201, resp.text
    made = resp.get_json()["result"]
    pk = made["id"]
    assert (made["status"], made["audience"], made["slug"]) == ("draft", "verified",
                                                               "pay-an-invoice")
    html = made["translations"][0]["body_html"]
    assert "<strong>the portal</strong>" in html and "<script" not in html

    resp = client.patch(f"{A}{pk}", json={"locale": "de-DE", "title": "Rechnung bezahlen",
                                          "body": "Im Portal."}, headers=headers)
    assert resp.status_code == 200, resp.text
    assert [t["locale"] for t in resp.get_json()["result"]["translations"]] == ["de-DE",
                                                                               "en-US"]
    resp = client.put(f"{A}{pk}", json={"title": "Pay invoices"}, headers=headers)
    en = next(t for t in resp.get_json()["result"]["translations"] if t["locale"] == "en-US")
    assert en["title"] == "Pay invoices" and en["body"].startswith("Use **the portal**")

    resp = client.post(f"{A}{pk}/publish", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["result"]["status"] == "published"
    listed = client.get(A + "?status=published", headers=headers).get_json()
    assert [a["id"] for a in listed["result"]] == [pk]
    assert client.get(A + "?status=draft", headers=headers).get_json()["result"] == []
    in_folder = client.get(f"{A}?directory={folder['id']}", headers=headers).get_json()
    assert [a["id"] for a in in_folder["result"]] == [pk]
    resp = client.post(f"{A}{pk}/unpublish", headers=headers)
    assert resp.get_json()["result"]["status"] == "draft"

    revs = client.get(f"{A}{pk}/revisions", headers=headers).get_json()["result"]
    assert [r["title"] for r in revs][-1] == "Pay an invoice"
    assert all(r["author"] == f"api-admin-{acme.slug}" for r in revs)
    first = revs[-1]["id"]
    resp = client.post(f"{A}{pk}/revisions/{first}/restore", headers=headers)
    assert resp.status_code == 200, resp.text
    en = next(t for t in resp.get_json()["result"]["translations"] if t["locale"] == "en-US")
    assert en["title"] == "Pay an invoice"
    assert client.post(f"{A}{pk}/revisions/999999/restore",
                       headers=headers).status_code == 404

    assert client.delete(f"{A}{pk}", headers=headers).status_code == 200
    assert client.get(f"{A}{pk}", headers=headers).status_code == 404
    assert load(acme, pk) is None


def test_link_and_file_articles_through_the_api(api, acme):
    client, headers = api("admin", acme)
    resp = client.post(A, json={"kind": "link", "title": "Status", "description": "Up?",
                                "link_url": "https://status.example.com",
                                "status": "published"}, headers=headers)
    assert resp.status_code == 201, resp.text
    assert resp.get_json()["result"]["link_url"] == "https://status.example.com"
    resp = client.post(A, json={"kind": "link", "title": "Bad",
                                "link_url": "javascript:alert(1)"}, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["details"]["field"] == "link_url"

    pdf = make_pdf("Printer manual text")
    resp = client.post(A, data={"kind": "file", "status": "published",
                                "file": (io.BytesIO(pdf), "printer.pdf")},
                       headers=headers, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.text
    made = resp.get_json()["result"]
    assert made["kind"] == "file" and made["title"] == "printer"
    assert "Printer manual text" in made["translations"][0]["body"]
    download = client.get(made["file"]["url"], headers=headers)
    assert download.status_code == 200 and download.data == pdf

    resp = client.put(f"{A}{made['id']}", data={"file": (io.BytesIO(b"# New\n\nnew text"),
                                                         "new.md")},
                      headers=headers, content_type="multipart/form-data")
    assert resp.status_code == 200, resp.text
    assert "new text" in resp.get_json()["result"]["translations"][0]["body"]

    for name, data in (("empty.txt", b""), ("blob.txt", b"\x00\x01\x02")):
        resp = client.post(A, data={"kind": "file", "file": (io.BytesIO(data), name)},
                           headers=headers, content_type="multipart/form-data")
        assert resp.status_code == 422 and resp.get_json()["details"]["field"] == "file", name
    resp = client.post(A, json={"kind": "file", "title": "No file"}, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["details"]["field"] == "file"


def test_bad_requests_are_json_errors(api, acme):
    client, headers = api("admin", acme)
    cases = [
        (A, {"title": "x", "surprise": 1}, "surprise"),
        (A, {"title": ""}, "title"),
        (A, {"title": "x", "status": "live"}, "status"),
        (A, {"title": "x", "audience": "everyone"}, "audience"),
        (A, {"title": "x", "locale": "pt-BR"}, "locale"),
        (A, {"title": "x", "kind": "video"}, "kind"),
        (A, {"title": "x", "directory_id": "nope"}, "directory_id"),
        (A, {"title": 5}, "title"),
        (D, {"names": {}}, "names"),
        (D, {"names": "Billing"}, "names"),
        (D, {"names": {"en-US": "X"}, "parent_id": "1"}, "parent_id"),
        (D, {"names": {"en-US": "X"}, "position": "top"}, "position"),
    ]
    for url, body, field in cases:
        resp = client.post(url, json=body, headers=headers)
        assert resp.status_code == 422 and resp.is_json, (body, resp.status_code, resp.text)
        assert resp.get_json()["details"]["field"] == field, (body, resp.get_json())
    resp = client.post(A, data="not json", headers=headers, content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"] == "malformed_json"
    assert client.get(A + "?status=gone", headers=headers).status_code == 422
    assert client.get(A + "?limit=0", headers=headers).status_code == 422
    with use_workspace(acme.id):
        assert directories.directories(acme) == []


def test_directory_crud_and_cycles_through_the_api(api, acme):
    client, headers = api("admin", acme)
    top = client.post(D, json={"names": {"en-US": "Top"}}, headers=headers).get_json()["result"]
    sub = client.post(D, json={"names": {"en-US": "Sub"}, "parent_id": top["id"]},
                      headers=headers).get_json()["result"]
    resp = client.patch(f"{D}{top['id']}", json={"parent_id": sub["id"]}, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["details"]["field"] == "parent_id"
    resp = client.patch(f"{D}{top['id']}", json={"parent_id": top["id"]}, headers=headers)
    assert resp.status_code == 422
    resp = client.patch(f"{D}{sub['id']}", json={"position": 5, "names": {"en-US": "Sub 2"}},
                        headers=headers)
    assert resp.status_code == 200 and resp.get_json()["result"]["position"] == 5
    tree = client.get(D, headers=headers).get_json()["result"]
    assert [(d["names"]["en-US"], d["depth"]) for d in tree] == [("Top", 0), ("Sub 2", 1)]
    assert client.delete(f"{D}{top['id']}", headers=headers).status_code == 409
    assert client.delete(f"{D}{sub['id']}", headers=headers).status_code == 200
    assert client.get(f"{D}{sub['id']}", headers=headers).status_code == 404
    assert [d.id for d in stored_directories(acme)] == [top["id"]]


def test_api_is_scoped_to_x_workspace(api, acme, globex):
    with use_workspace(globex.id):
        folder = directories.save_directory(globex, names={"en-US": "Globex folder"})
        theirs = articles.save(globex, locale="en-US", title="Globex only", status="published")
        folder_id, theirs_id = folder.id, theirs.id
    client, headers = api("admin", acme)
    assert client.get(A, headers=headers).get_json()["result"] == []
    assert client.get(D, headers=headers).get_json()["result"] == []
    for method, url in (("get", f"{A}{theirs_id}"), ("get", f"{A}{theirs_id}/revisions"),
                        ("get", f"{A}{theirs_id}/file"), ("put", f"{A}{theirs_id}"),
                        ("post", f"{A}{theirs_id}/publish"),
                        ("post", f"{A}{theirs_id}/unpublish"),
                        ("delete", f"{A}{theirs_id}"), ("get", f"{D}{folder_id}"),
                        ("put", f"{D}{folder_id}"), ("delete", f"{D}{folder_id}")):
        resp = getattr(client, method)(url, json={"title": "Taken"}, headers=headers)
        assert resp.status_code == 404, (method, url, resp.status_code)
    resp = client.post(A, json={"title": "Mine", "directory_id": folder_id}, headers=headers)
    assert resp.status_code == 422
    resp = client.post(D, json={"names": {"en-US": "Mine"}, "parent_id": folder_id},
                       headers=headers)
    assert resp.status_code == 422
    resp = client.get(A, headers={**headers, "X-Workspace": "globex"})
    assert resp.status_code == 403
    theirs = load(globex, theirs_id)
    assert theirs.status == "published" and theirs.translations[0].title == "Globex only"


def test_agent_reads_through_the_api_but_cannot_write(api, acme):
    with use_workspace(acme.id):
        article = articles.save(acme, locale="en-US", title="Readable")
        folder = directories.save_directory(acme, names={"en-US": "Folder"})
        pk, folder_id = article.id, folder.id
    client, headers = api("agent", acme)
    assert client.get(f"{A}{pk}", headers=headers).status_code == 200
    assert client.get(f"{A}{pk}/revisions", headers=headers).status_code == 200
    assert client.get(D, headers=headers).status_code == 200
    for method, url in (("post", A), ("put", f"{A}{pk}"), ("post", f"{A}{pk}/publish"),
                        ("delete", f"{A}{pk}"), ("post", D), ("put", f"{D}{folder_id}"),
                        ("delete", f"{D}{folder_id}")):
        resp = getattr(client, method)(url, json={"title": "x", "names": {"en-US": "x"}},
                                       headers=headers)
        assert resp.status_code == 403, (method, url, resp.status_code)
    assert load(acme, pk).status == "draft"
    assert client.get(A, headers={"X-Workspace": "acme"}).status_code == 401


def test_kb_resources_are_in_the_openapi_document(api, acme):
    client, headers = api("admin", acme)
    resp = client.get("/api/v1/_openapi", headers=headers)
    assert resp.status_code == 200, resp.text
    doc = resp.get_json()
    paths = doc["paths"]
    assert set(paths["/api/v1/article/"]) == {"get", "post"}
    assert set(paths["/api/v1/article/{pk}"]) == {"get", "put", "patch", "delete"}
    assert set(paths["/api/v1/article/{pk}/publish"]) == {"post"}
    assert set(paths["/api/v1/article/{pk}/unpublish"]) == {"post"}
    assert set(paths["/api/v1/article/{pk}/revisions"]) == {"get"}
    assert set(paths["/api/v1/article/{pk}/revisions/{revision_id}/restore"]) == {"post"}
    assert set(paths["/api/v1/article/{pk}/file"]) == {"get"}
    assert set(paths["/api/v1/directory/"]) == {"get", "post"}
    assert set(paths["/api/v1/directory/{pk}"]) == {"get", "put", "patch", "delete"}
    assert "multipart/form-data" in paths["/api/v1/article/"]["post"]["requestBody"]["content"]
    assert {"ArticleWrite", "DirectoryWrite"} <= set(doc["components"]["schemas"])
