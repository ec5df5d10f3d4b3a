"""Portal images through the staff API (POST/DELETE /api/v1/portal-settings/images/<image>):
the upload lands in the draft, the portal shows it once published, and its URL serves the
re-encoded bytes for a year, to this workspace's slug only."""

import io

from PIL import Image

S = "/api/v1/portal-settings/"


def png(size=(240, 80), color=(30, 90, 200, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, color).save(out, "PNG")
    return out.getvalue()


def upload(client, headers, name: str, data: bytes, filename="logo.png"):
    return client.post(f"{S}images/{name}", headers=headers,
                       data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_upload_publish_and_serve(api, acme, globex, client):
    staff, headers = api("admin", acme)
    resp = upload(staff, headers, "logo", png())
    assert resp.status_code == 200, resp.text
    url = resp.get_json()["url"]
    assert url.startswith("/look/acme/images/") and url.endswith(".png")
    assert resp.get_json()["draft"]["appearance"]["logo"] == url
    state = staff.get(S, headers=headers).get_json()
    assert state["has_draft"] and state["draft"]["appearance"]["logo"] == url
    assert state["published"]["appearance"]["logo"] == ""
    assert url not in client.get("/en-US/acme/directories").text  # a draft is not live

    dark = upload(staff, headers, "logo_dark", png(color=(250, 250, 250, 255))).get_json()["url"]
    icon = upload(staff, headers, "favicon", png((48, 48)), "icon.gif").get_json()["url"]
    assert staff.post(S + "publish", headers=headers).status_code == 200
    page = client.get("/en-US/acme/directories").text
    assert f'<img class="brand-logo" src="{url}"' in page
    assert f'<source srcset="{dark}"' in page and f'<link rel="icon" href="{icon}">' in page

    served = client.get(url)
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (240, 80) and image.getpixel((1, 1)) == (30, 90, 200, 255)
    again = client.get(url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304

    digest_and_ext = url.rsplit("/", 1)[1]
    assert client.get(f"/look/globex/images/{digest_and_ext}").status_code == 404
    assert client.get(f"/look/nope/images/{digest_and_ext}").status_code == 404
    assert client.get(f"/look/acme/images/{'0' * 32}.png").status_code == 404
    assert client.get(url.replace(".png", ".svg")).status_code == 404


def test_refusals(api, acme):
    staff, headers = api("admin", acme)
    resp = upload(staff, headers, "logo", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "a.svg")
    assert resp.status_code == 422
    assert resp.get_json()["details"]["field"] == "logo"
    assert "SVG" in resp.get_json()["message"]
    resp = upload(staff, headers, "favicon", b"not an image at all", "icon.png")
    assert resp.status_code == 422 and resp.get_json()["details"]["field"] == "favicon"
    resp = upload(staff, headers, "favicon", png((600, 600)))
    assert resp.status_code == 422 and "512" in resp.get_json()["message"]
    assert upload(staff, headers, "banner", png()).status_code == 404
    resp = staff.post(f"{S}images/logo", headers=headers, json={"file": "x"})
    assert resp.status_code == 422 and resp.get_json()["details"]["field"] == "file"
    resp = upload(staff, headers, "logo", b"\x89PNG" + b"\0" * (3 * 1024 * 1024))
    assert resp.status_code == 413
    assert staff.get(S, headers=headers).get_json()["has_draft"] is False  # nothing kept


def test_delete_takes_the_image_out_of_the_draft(api, acme):
    staff, headers = api("admin", acme)
    upload(staff, headers, "logo", png())
    staff.post(S + "publish", headers=headers)
    resp = staff.delete(f"{S}images/logo", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["draft"]["appearance"]["logo"] == ""
    state = staff.get(S, headers=headers).get_json()
    assert state["published"]["appearance"]["logo"].startswith("/look/acme/images/")
    assert staff.delete(f"{S}images/nope", headers=headers).status_code == 404


def test_only_admins_upload(api, acme):
    agent, headers = api("agent", acme)
    assert upload(agent, headers, "logo", png()).status_code == 403
    assert agent.delete(f"{S}images/logo", headers=headers).status_code == 403


def test_the_image_endpoints_are_in_the_openapi_document(api, acme):
    staff, headers = api("admin", acme)
    doc = staff.get("/api/v1/_openapi", headers=headers).get_json()
    path = doc["paths"]["/api/v1/portal-settings/images/{image}"]
    assert set(path) == {"post", "delete"}
    assert "multipart/form-data" in path["post"]["requestBody"]["content"]
    image = next(p for p in path["post"]["parameters"] if p.get("name") == "image")
    assert image["in"] == "path" and image["schema"]["enum"] == ["logo", "logo_dark", "favicon"]
    assert {"404", "413", "422"} <= set(path["post"]["responses"])
