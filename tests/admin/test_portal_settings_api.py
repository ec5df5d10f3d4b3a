"""The portal settings document through the staff REST API (/api/v1/portal-settings/) and
what customers get of it (GET /api/v1/workspaces/<slug>/portal): draft, publish, discard,
restore, per-field errors, admins only, the draft never visible to customers."""

from portal.appearance.colors import contrast

S = "/api/v1/portal-settings/"


def _document(client, headers) -> dict:
    resp = client.get(S, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.get_json()


def test_draft_publish_and_what_customers_see(api, acme, client):
    staff, headers = api("admin", acme)
    first = _document(staff, headers)
    assert first["version"] == 0 and first["has_draft"] is False
    assert first["draft"] == first["published"]
    assert first["published"]["features"]["knowledge_base"] == "private"

    doc = first["draft"]
    doc["appearance"]["company_name"] = "Acme Help"
    doc["appearance"]["accent_color"] = "#ffdd00"  # far too light for text on white
    doc["appearance"]["theme"] = "dark"
    doc["appearance"]["header_tabs"].append(
        {"kind": "link", "label": {"en-US": "Incidents"}, "url": "https://status.acme.example"})
    doc["features"]["banner"] = {"enabled": True, "level": "warning",
                                 "text": {"en-US": "Maintenance **tonight**"},
                                 "starts_at": "2020-01-01T00:00:00Z", "ends_at": None}
    resp = staff.put(S + "draft", json=doc, headers=headers)
    assert resp.status_code == 200, resp.text

    # customers still see the published settings
    portal = client.get("/api/v1/workspaces/acme/portal").get_json()
    assert portal["name"] == acme.name and portal["theme"] == "system"
    assert portal["banner"] is None
    state = _document(staff, headers)
    assert state["has_draft"] and state["draft"]["appearance"]["company_name"] == "Acme Help"
    assert state["published"]["appearance"]["company_name"] == ""

    resp = staff.post(S + "publish", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.get_json()["version"] == 1
    portal = client.get("/api/v1/workspaces/acme/portal").get_json()
    assert (portal["name"], portal["theme"]) == ("Acme Help", "dark")
    assert portal["banner"]["level"] == "warning"
    assert [t["kind"] for t in portal["header_tabs"]] == ["knowledge_base", "tickets", "link"]
    light = portal["colors"]["light"]
    assert light["--color-primary"] != "#ffdd00"  # adjusted until it passes
    assert contrast(light["--color-primary"], "#ffffff") >= 4.5
    assert "allowlist" not in str(portal) and "custom_css" not in portal
    history = staff.get(S + "history", headers=headers).get_json()["result"]
    assert [h["version"] for h in history] == [1]
    assert history[0]["published_by"]


def test_errors_name_every_wrong_field(api, acme):
    staff, headers = api("admin", acme)
    doc = _document(staff, headers)["draft"]
    doc["features"]["knowledge_base"] = "everyone"
    doc["appearance"]["theme"] = "neon"
    doc["surprise"] = 1
    resp = staff.put(S + "draft", json=doc, headers=headers)
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["error"] == "invalid"
    assert {"features.knowledge_base", "appearance.theme", "surprise"} <= set(
        body["details"]["fields"])
    doc = _document(staff, headers)["draft"]
    doc["custom_css"] = "@import url(https://evil.example/x.css);"
    resp = staff.put(S + "draft", json=doc, headers=headers)
    assert resp.status_code == 422
    assert "evil.example" in resp.get_json()["details"]["fields"]["custom_css"]
    assert staff.put(S + "draft", data="{", headers={**headers, "Content-Type":
                                                     "application/json"}).status_code == 400
    assert _document(staff, headers)["has_draft"] is False  # nothing was kept


def test_discard_restore_and_publish_without_draft(api, acme, client):
    staff, headers = api("admin", acme)
    assert staff.post(S + "publish", headers=headers).status_code == 404
    doc = _document(staff, headers)["draft"]
    doc["features"]["knowledge_base"] = "public"
    staff.put(S + "draft", json=doc, headers=headers)
    assert staff.post(S + "publish", headers=headers).status_code == 200
    doc["features"]["knowledge_base"] = "off"
    staff.put(S + "draft", json=doc, headers=headers)
    assert staff.delete(S + "draft", headers=headers).status_code == 200
    assert staff.delete(S + "draft", headers=headers).status_code == 404
    state = _document(staff, headers)
    assert not state["has_draft"] and state["published"]["features"]["knowledge_base"] == "public"
    doc["features"]["knowledge_base"] = "off"
    staff.put(S + "draft", json=doc, headers=headers)
    staff.post(S + "publish", headers=headers)
    assert client.get("/api/v1/workspaces/acme/portal").get_json()["features"][
        "knowledge_base"] == "off"
    assert client.get("/api/v1/workspaces/acme/articles").status_code == 404  # off: no KB
    resp = staff.post(S + "restore/1", headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["draft"]["features"]["knowledge_base"] == "public"
    assert staff.post(S + "restore/9", headers=headers).status_code == 404
    assert staff.post(S + "publish", headers=headers).get_json()["version"] == 3
    assert client.get("/api/v1/workspaces/acme/articles").status_code == 200


def test_only_workspace_admins_change_settings(api, acme, globex):
    agent, headers = api("agent", acme)
    assert agent.get(S, headers=headers).status_code == 403
    assert agent.put(S + "draft", json={}, headers=headers).status_code == 403
    elsewhere, other = api("admin", globex)
    assert elsewhere.get(S, headers={**other, "X-Workspace": "acme"}).status_code == 403


def test_custom_domain_is_published_and_unique(api, acme, globex, client):
    staff, headers = api("admin", acme)
    doc = _document(staff, headers)["draft"]
    doc["domain"]["custom_portal_url"] = "https://help.acme.example/path"
    resp = staff.put(S + "draft", json=doc, headers=headers)
    assert resp.status_code == 422
    assert "domain.custom_portal_url" in resp.get_json()["details"]["fields"]
    doc["domain"]["custom_portal_url"] = "https://help.acme.example"
    assert staff.put(S + "draft", json=doc, headers=headers).status_code == 200
    assert staff.post(S + "publish", headers=headers).status_code == 200
    resp = client.get("/", headers={"Host": "help.acme.example"})
    assert resp.status_code == 302 and "/acme/" in resp.headers["Location"]
    other_staff, other = api("admin", globex)
    doc2 = _document(other_staff, other)["draft"]
    doc2["domain"]["custom_portal_url"] = "https://help.acme.example"
    resp = other_staff.put(S + "draft", json=doc2, headers=other)
    assert resp.status_code == 422
    assert "Another workspace" in resp.get_json()["details"]["fields"][
        "domain.custom_portal_url"]


def test_the_customer_portal_answer_for_an_unknown_workspace(client):
    resp = client.get("/api/v1/workspaces/nope/portal")
    assert resp.status_code == 404 and resp.get_json()["error"] == "not_found"


def test_no_workspace_takes_the_portals_own_host(api, acme, app, monkeypatch):
    """A workspace on the platform's own host would hide every other workspace there."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://support.helpport.example")
    staff, headers = api("admin", acme)
    doc = _document(staff, headers)["draft"]
    doc["domain"]["custom_portal_url"] = "https://SUPPORT.helpport.example"
    resp = staff.put(S + "draft", json=doc, headers=headers)
    assert resp.status_code == 422
    assert "portal itself" in resp.get_json()["details"]["fields"]["domain.custom_portal_url"]


def test_odd_banner_times_and_colours_are_refused_not_failed(api, acme):
    staff, headers = api("admin", acme)
    doc = _document(staff, headers)["draft"]
    doc["features"]["banner"]["starts_at"] = "9999-12-31T23:00:00-05:00"  # past year 9999 in UTC
    doc["appearance"]["accent_color"] = "blue"
    resp = staff.put(S + "draft", json=doc, headers=headers)
    assert resp.status_code == 422
    assert {"features.banner.starts_at", "appearance.accent_color"} <= set(
        resp.get_json()["details"]["fields"])


def test_the_languages_are_edited_through_the_document(api, acme, client):
    staff, headers = api("admin", acme)
    doc = _document(staff, headers)["draft"]
    assert doc["locales"] == {"enabled": acme.enabled_locales, "default": "en-US"}
    doc["locales"] = {"enabled": ["en-US", "de-DE"], "default": "ar"}
    refused = staff.put(S + "draft", json=doc, headers=headers)
    assert refused.status_code == 422 and "locales.default" in refused.text
    doc["locales"] = {"enabled": ["ja-JP", "ar"], "default": "ar"}
    assert staff.put(S + "draft", json=doc, headers=headers).status_code == 200
    assert staff.post(S + "publish", headers=headers).status_code == 200
    portal = client.get("/api/v1/workspaces/acme/portal").get_json()
    assert portal["locales"] == {"default": "ar", "enabled": ["ja-JP", "ar"]}
    assert _document(staff, headers)["published"]["locales"]["default"] == "ar"
    assert client.get("/acme").location.endswith("/ar/acme/directories")
