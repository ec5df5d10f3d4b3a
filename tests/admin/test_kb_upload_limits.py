"""Article file uploads take files up to their 20 MB limit, on the admin page and through
the staff API; a body over it is a 413 (JSON under /api), never a 500; JSON bodies and
other requests keep the 1 MiB limit."""

import io

from portal.admin import kb_common
from tests.admin.kb_helpers import ARTICLE_API as A
from tests.admin.kb_helpers import load, post_article

MiB = 1024 * 1024


def html_file(size: int) -> bytes:
    """A page with a little text, padded to `size` bytes by a comment."""
    page = b"<html><head><title>Printer manual</title></head><body><p>Add the printer."
    tail = b"</p></body></html>"
    padding = size - len(page) - len(tail) - len(b"<!---->")
    return page + b"<!--" + b"x" * padding + b"-->" + tail


def test_staff_api_takes_a_two_mib_article_file(api, acme):
    client, headers = api("admin", acme)
    resp = client.post(A, data={"kind": "file", "status": "published",
                                "file": (io.BytesIO(html_file(2 * MiB)), "manual.html")},
                       headers=headers, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.text[:300]
    assert load(acme, resp.get_json()["result"]["id"]).file_name == "manual.html"


def test_staff_api_refuses_a_body_over_the_limit_with_413_json(api, acme, monkeypatch):
    monkeypatch.setattr(kb_common, "MAX_FILE", 512 * 1024)  # limit: 0.5 MiB + 1 MiB of form
    client, headers = api("admin", acme)
    resp = client.post(A, data={"kind": "file",
                                "file": (io.BytesIO(html_file(2 * MiB)), "manual.html")},
                       headers=headers, content_type="multipart/form-data")
    assert resp.status_code == 413 and resp.is_json
    body = resp.get_json()
    assert body["error"] == "request_entity_too_large"
    assert body["message"] == "The request is larger than 1.5 MB."
    as_json = client.post(A, json={"kind": "native", "title": "x" * (2 * MiB)},
                          headers=headers)
    assert as_json.status_code == 413 and as_json.is_json  # JSON keeps 1 MiB


def test_admin_page_takes_a_two_mib_article_file(staff, acme):
    client = staff("admin", acme)
    resp = post_article(client, {"kind": "file", "locale": "en-US", "title": "",
                                 "status": "draft", "audience": "public"},
                        files={"file": ("manual.html", html_file(2 * MiB))})
    assert "/admin/kb/articles/" in resp.headers["Location"]
