"""The knowledge-base API: search, list and one article; anonymous when public, bearer
token readers get their own audience; off/private/unknown answers; bad parameters."""

import pytest

from portal.extensions import db
from portal.models import Directory
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import api_token, make_account, make_contact

BASE = "/api/v1/workspaces/acme/articles"


def set_access(ws, mode):
    portal_settings.change(ws, {"features.knowledge_base": mode})
    db.session.commit()


@pytest.fixture
def kb_api(acme, globex, jobs):
    set_access(acme, "public")
    with use_workspace(acme.id):
        guides = Directory(workspace_id=acme.id, slug="guides", names={"en-US": "Guides",
                                                                      "de-DE": "Anleitungen"})
        db.session.add(guides)
        db.session.flush()
        made = {}
        for i in range(5):
            made[f"p{i}"] = articles.save(
                acme, locale="en-US", title=f"Printer guide {i}", body=f"Printer tray {i}.",
                status="published", directory_id=guides.id, external_ref=f"printer-{i}")
        made["vpn"] = articles.save(acme, locale="en-US", title="Connect to the VPN",
                                    body="Install the VPN client.", status="published",
                                    description="Remote access", external_ref="kb-vpn")
        articles.save(acme, article=made["vpn"], locale="de-DE", title="VPN verbinden",
                      body="Den VPN-Client installieren.", status="published")
        made["verified"] = articles.save(acme, locale="en-US", title="VPN for verified",
                                         body="VPN verified text.", status="published",
                                         audience="verified")
        made["admins"] = articles.save(acme, locale="en-US", title="VPN admin keys",
                                       body="VPN keys text.", status="published",
                                       audience="admins", directory_id=guides.id)
        made["draft"] = articles.save(acme, locale="en-US", title="VPN draft",
                                      body="VPN draft text.")
    with use_workspace(globex.id):
        articles.save(globex, locale="en-US", title="Globex VPN", body="VPN.",
                      status="published")
    jobs()
    account = make_account(acme, "Acme Corp")
    made["reader"] = make_contact(acme, "v@acme.example", account=account)
    made["admin"] = make_contact(acme, "a@acme.example", account=account, customer_admin=True)
    return made


def bearer(contact) -> dict:
    return {"Authorization": f"Bearer {api_token(contact)}"}


def titles(body) -> list[str]:
    return [r["title"] for r in body["results"]]


def test_anonymous_search_when_public(client, kb_api):
    response = client.get(f"{BASE}/search?q=vpn")
    assert response.status_code == 200
    body = response.get_json()
    assert body["mode"] == "hybrid"
    assert titles(body) == ["Connect to the VPN"] and body["total"] == 1
    hit = body["results"][0]
    assert set(hit) == {"id", "slug", "title", "external_ref", "url", "score", "snippet"}
    assert hit["external_ref"] == "kb-vpn" and hit["slug"] == "connect-to-the-vpn"
    assert hit["url"].endswith("/en-US/acme/articles/connect-to-the-vpn")
    assert "<mark>" in hit["snippet"]


def test_results_ranked_best_first_and_limited(client, kb_api):
    body = client.get(f"{BASE}/search?q=printer+tray+3&mode=keyword&limit=2").get_json()
    assert body["mode"] == "keyword" and len(body["results"]) == 2
    assert body["total"] >= 2
    assert body["results"][0]["title"] == "Printer guide 3"
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_each_audience_sees_its_own_articles_in_every_mode(client, kb_api, mode):
    anonymous = titles(client.get(f"{BASE}/search?q=vpn&mode={mode}").get_json())
    verified = client.get(f"{BASE}/search?q=vpn&mode={mode}",
                          headers=bearer(kb_api["reader"])).get_json()
    admin = titles(client.get(f"{BASE}/search?q=vpn&mode={mode}",
                              headers=bearer(kb_api["admin"])).get_json())
    assert "VPN for verified" not in anonymous
    assert "VPN for verified" in titles(verified)
    assert "VPN admin keys" not in titles(verified) and "VPN admin keys" in admin
    assert verified["total"] == len(verified["results"])  # no hidden article counted
    for found in (anonymous, titles(verified), admin):
        assert "VPN draft" not in found and "Globex VPN" not in found


def test_locale_parameter_reads_the_translation(client, kb_api):
    body = client.get(f"{BASE}/search?q=verbinden&locale=de-DE").get_json()
    assert titles(body) == ["VPN verbinden"]
    assert body["results"][0]["url"].endswith("/de-DE/acme/articles/connect-to-the-vpn")
    one = client.get(f"{BASE}/kb-vpn?locale=de-DE")
    assert one.status_code == 404  # external_ref is not a key; id or slug are
    one = client.get(f"{BASE}/connect-to-the-vpn?locale=de-DE").get_json()
    assert one["title"] == "VPN verbinden" and one["locale"] == "de-DE"


@pytest.mark.parametrize("query", ["q=", "q=vpn&mode=fuzzy", "q=vpn&limit=0",
                                   "q=vpn&limit=51", "q=vpn&limit=ten", "q=" + "x" * 201,
                                   "q=vpn&locale=xx-XX", "mode=keyword", "q=a%00b"])
def test_bad_parameters_are_422(client, kb_api, query):
    response = client.get(f"{BASE}/search?{query}")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.get_json()["error"] == "invalid"


def test_unknown_workspace_off_and_private(client, kb_api, acme):
    assert client.get("/api/v1/workspaces/nope/articles/search?q=vpn").status_code == 404
    set_access(acme, "private")
    response = client.get(f"{BASE}/search?q=vpn")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert client.get(f"{BASE}/search?q=vpn",
                      headers=bearer(kb_api["reader"])).status_code == 200
    assert client.get(f"{BASE}/search?q=vpn",
                      headers={"Authorization": "Bearer nonsense"}).status_code == 401
    set_access(acme, "off")
    for path in (f"{BASE}/search?q=vpn", BASE, f"{BASE}/connect-to-the-vpn"):
        assert client.get(path, headers=bearer(kb_api["admin"])).status_code == 404


def test_a_token_of_another_workspace_is_refused(client, kb_api, globex):
    other = make_contact(globex, "g@globex.example")
    response = client.get(f"{BASE}/search?q=vpn", headers=bearer(other))
    assert response.status_code == 401


def test_list_is_paginated_filtered_by_directory_and_visibility(client, kb_api):
    body = client.get(f"{BASE}?per_page=4").get_json()
    assert body["total"] == 6 and body["page"] == 1 and len(body["results"]) == 4
    second = client.get(f"{BASE}?per_page=4&page=2").get_json()
    assert len(second["results"]) == 2
    seen = titles(body) + titles(second)
    assert len(set(seen)) == 6 and "VPN admin keys" not in seen and "VPN draft" not in seen
    in_guides = client.get(f"{BASE}?directory=guides").get_json()
    assert sorted(titles(in_guides)) == [f"Printer guide {i}" for i in range(5)]
    assert in_guides["results"][0]["directory"]["name"] == "Guides"
    admin = client.get(f"{BASE}?directory=guides", headers=bearer(kb_api["admin"])).get_json()
    assert admin["total"] == 6 and "VPN admin keys" in titles(admin)
    directory_id = in_guides["results"][0]["directory"]["id"]
    assert client.get(f"{BASE}?directory={directory_id}").get_json()["total"] == 5
    assert client.get(f"{BASE}?directory=nope").status_code == 404
    assert client.get(f"{BASE}?page=0").status_code == 422


def test_one_article_by_id_or_slug(client, kb_api):
    vpn = kb_api["vpn"]
    by_id = client.get(f"{BASE}/{vpn.id}").get_json()
    by_slug = client.get(f"{BASE}/connect-to-the-vpn").get_json()
    assert by_id == by_slug
    assert by_id["title"] == "Connect to the VPN" and by_id["description"] == "Remote access"
    assert by_id["body"] == "Install the VPN client." and "<p>" in by_id["body_html"]
    assert by_id["external_ref"] == "kb-vpn" and by_id["kind"] == "native"
    for hidden in ("admins", "draft", "verified"):
        assert client.get(f"{BASE}/{kb_api[hidden].id}").status_code == 404
    assert client.get(f"{BASE}/{kb_api['verified'].slug}",
                      headers=bearer(kb_api["reader"])).status_code == 200


def test_openapi_documents_the_article_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/workspaces/{slug}/articles/search", "/workspaces/{slug}/articles",
                 "/workspaces/{slug}/articles/{key}"):
        assert "get" in doc["paths"][path]
    assert "/workspaces/{slug}/tickets" in doc["paths"]  # the ticket part is still merged
    hit = doc["components"]["schemas"]["ArticleHit"]
    assert set(hit["required"]) == {"id", "slug", "title", "external_ref", "url", "score",
                                    "snippet"}


@pytest.mark.parametrize("custom_domain", [None, "help.acme.example"])
def test_search_hit_urls_are_built_as_url_for_builds_them(app, acme, custom_domain):
    """The answer's links put each slug into one URL built per request: the same text as
    url_for, odd slugs included (quoted as the route's converter quotes them)."""
    from types import SimpleNamespace

    from flask import g

    from portal.api.articles import article_url, article_urls

    acme.custom_domain = custom_domain
    with app.test_request_context("/"):
        g.locale = "de-DE"
        url = article_urls(acme)
        for slug in ("reset-password", "größe ändern", "a/b", "x?y#z", "100%", "0slug0",
                     "slug0slug0", "a+b@c:d=e&f"):
            article = SimpleNamespace(slug=slug)
            assert url(article) == article_url(acme, article)
