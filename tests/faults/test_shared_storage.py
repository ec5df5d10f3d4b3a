"""Object storage shared between two app instances (issue 9, parts 3 and 7).

Instances A and B share one database and one bucket on a real S3-compatible server on
loopback (tests/s3_server.py), but each has its own UPLOAD_DIR: a file uploaded through A
downloads through B, and neither writes it to its own disk."""

import urllib.request
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.extensions import db
from portal.models import Ticket, Workspace
from portal.services import (
    actors,
    article_files,
    article_uploads,
    attachments,
    portal_settings,
    ticket_removal,
)
from portal.storage import get_storage
from portal.tenancy import use_workspace
from tests.admin.conftest import staff_login
from tests.conftest import csrf_from
from tests.factories import login_as, make_contact, make_staff
from tests.isolated_client import IsolatedClient
from tests.s3_server import (  # noqa: F401
    close_instance,
    instance_config,
    object_names,
    s3_client,
    s3_server,
)
from tests.tickets_helpers import open_ticket

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
LOG = "".join(f"line {n}\n" for n in range(500)).encode()
HTML = b"<h1>Router manual</h1><p>Reset the router with the pin.</p><script>alert(1)</script>"


@pytest.fixture
def instance(app, make_app, s3_server, tmp_path):  # noqa: F811
    """`instance("a", STORAGE_S3_REDIRECT=True)` -> another app on the session app's
    database and the shared bucket, with an UPLOAD_DIR of its own."""
    made = []

    def build(name, **overrides):
        other = make_app(instance_config(app, tmp_path / name / "uploads",
                                         **{**s3_server, **overrides}))
        other.test_client_class = IsolatedClient
        made.append(other)
        return other

    yield build
    for other in made:
        close_instance(other)


def local_files(other) -> list[Path]:
    root = Path(other.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def signed_in(other, contact):
    client = other.test_client()
    login_as(client, contact)
    return client


def upload_ticket(client, files):
    page = client.get("/en-US/acme/tickets/new").get_data(as_text=True)
    response = client.post("/en-US/acme/tickets", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "title": "Printer on fire", "description": "See logs",
        "priority": "normal", "category": "problem", "files": files})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def file_urls(acme, number) -> dict[str, str]:
    with use_workspace(acme.id):
        ticket = db.session.scalar(db.select(Ticket).where(
            Ticket.workspace_id == acme.id, Ticket.number == number))
        return {att.filename: f"/en-US/acme/tickets/{number}/files/{att.id}"
                for att in attachments.for_ticket(ticket, include_internal=False)}


def test_an_attachment_uploaded_on_one_instance_downloads_from_another(
        instance, acme, s3_server):  # noqa: F811
    a, b = instance("a"), instance("b")
    pat = make_contact(acme, "pat@customer.example")
    on_a, on_b = signed_in(a, pat), signed_in(b, pat)
    before = object_names(s3_server)
    number = upload_ticket(on_a, [(BytesIO(PNG), "shot.png"), (BytesIO(LOG), "büro log.txt")])

    assert len(object_names(s3_server) - before) == 2
    assert local_files(a) == [] and local_files(b) == []
    urls = file_urls(acme, number)
    image = on_b.get(urls["shot.png"])
    assert image.status_code == 200 and image.data == PNG and image.mimetype == "image/png"
    assert image.headers["Content-Disposition"] == "inline; filename=shot.png"
    text = on_b.get(urls["büro log.txt"])
    assert text.status_code == 200 and text.data == LOG
    assert text.headers["Content-Disposition"] == (
        'attachment; filename="buro log.txt"; filename*=UTF-8\'\'b%C3%BCro%20log.txt')
    for response in (image, text):
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response.headers["Accept-Ranges"] == "bytes"
    part = on_b.get(urls["büro log.txt"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == LOG[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(LOG)}"
    etag = text.headers["ETag"]
    assert on_b.get(urls["shot.png"], headers={"If-None-Match": image.headers["ETag"]}) \
        .status_code == 304
    assert etag and local_files(b) == []


def test_other_customers_and_workspaces_are_refused_on_every_instance(
        instance, acme, globex, s3_server):  # noqa: F811
    a = instance("a")
    b = instance("b", STORAGE_S3_REDIRECT=True)
    pat = make_contact(acme, "pat@customer.example")
    number = upload_ticket(signed_in(a, pat), [(BytesIO(LOG), "log.txt")])
    url = file_urls(acme, number)["log.txt"]
    colleague = make_contact(acme, "sam@customer.example")
    neighbour = make_contact(globex, "pat@customer.example")
    open_ticket(globex, neighbour)  # globex has a ticket with the same number
    for other in (a, b):
        assert signed_in(other, colleague).get(url).status_code == 404
        elsewhere = url.replace("/acme/", "/globex/")
        assert signed_in(other, neighbour).get(elsewhere).status_code == 404
        signed_out = other.test_client().get(url)
        assert signed_out.status_code == 302  # to sign-in, never to the bucket
        assert "X-Amz-Signature" not in signed_out.headers["Location"]


def test_signed_redirects_carry_the_same_headers_and_a_short_life(
        instance, acme, s3_server):  # noqa: F811
    a = instance("a", STORAGE_S3_REDIRECT=True, STORAGE_S3_URL_SECONDS=30)
    pat = make_contact(acme, "pat@customer.example")
    client, streamed = signed_in(a, pat), signed_in(instance("streaming"), pat)
    number = upload_ticket(client, [(BytesIO(LOG), "büro log.txt"), (BytesIO(PNG), "a.png")])
    for name, data in (("büro log.txt", LOG), ("a.png", PNG)):
        moved = client.get(file_urls(acme, number)[name])
        assert moved.status_code == 302
        assert moved.headers["Cache-Control"] == "private, no-store"
        location = moved.headers["Location"]
        query = parse_qs(urlsplit(location).query)
        assert location.startswith(s3_server["STORAGE_S3_ENDPOINT_URL"] + "/")
        assert query["X-Amz-Expires"] == ["30"] and query["X-Amz-Signature"]
        signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
        assert abs((datetime.now(UTC).replace(tzinfo=None) - signed_at).total_seconds()) < 60
        direct = streamed.get(file_urls(acme, number)[name])
        with urllib.request.urlopen(location, timeout=10) as fetched:
            assert fetched.read() == data
            for header in ("Content-Disposition", "Content-Type", "Cache-Control"):
                assert fetched.headers[header] == direct.headers[header], header


def test_a_signed_url_lives_as_long_as_the_setting_says(instance, s3_server,  # noqa: F811
                                                        monkeypatch):
    """The life (X-Amz-Expires) is part of what is signed, so whoever holds the URL cannot
    lengthen it. moto's server does not verify query-signed URLs (it serves them at any
    age), so the signature is checked here by signing the same request again: with the
    URL's own life it matches, with a longer one it does not. Refusing an expired URL is
    then the S3 server's job (AWS, MinIO and Ceph all do)."""
    from botocore import auth as botocore_auth
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    a = instance("a", STORAGE_S3_REDIRECT=True, STORAGE_S3_URL_SECONDS=2)
    with a.app_context():
        storage = get_storage()
        storage.put("1/expiry-check", b"data", "text/plain")
        url = storage.signed_url("1/expiry-check", "x.txt", "text/plain", True)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["2"]
    with urllib.request.urlopen(url, timeout=10) as fetched:
        assert fetched.read() == b"data"
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert (datetime.now(UTC) - signed_at).total_seconds() < 10

    def signature_for(expires: int) -> str:
        bare = url.split("?")[0] + "?" + "&".join(
            part for part in urlsplit(url).query.split("&")
            if not part.startswith(("X-Amz-Signature=", "X-Amz-Expires=", "X-Amz-Date=",
                                    "X-Amz-Credential=", "X-Amz-Algorithm=",
                                    "X-Amz-SignedHeaders=")))
        request = AWSRequest(method="GET", url=bare)
        # signed at the URL's own time (add_auth reads the clock: a second boundary
        # between the URL and this check would change the signature)
        monkeypatch.setattr(botocore_auth, "get_current_datetime",
                            lambda *_a, **_k: signed_at.replace(tzinfo=None))
        credentials = Credentials(s3_server["STORAGE_S3_ACCESS_KEY"],
                                  s3_server["STORAGE_S3_SECRET_KEY"])
        S3SigV4QueryAuth(credentials, "s3", "us-east-1", expires=expires).add_auth(request)
        return parse_qs(urlsplit(request.url).query)["X-Amz-Signature"][0]

    assert signature_for(2) == query["X-Amz-Signature"][0]
    assert signature_for(3600) != query["X-Amz-Signature"][0]  # a longer life is forged


def test_article_originals_are_shared_and_rendered_pages_never_leave_the_app(
        instance, acme, s3_server):  # noqa: F811
    a = instance("a")
    b = instance("b", STORAGE_S3_REDIRECT=True)
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    with a.app_context(), use_workspace(acme.id):
        ws = db.session.get(Workspace, acme.id)
        article = article_uploads.save_file(ws, "manual.html", HTML, locale="en-US",
                                     status="published", audience="public")
        db.session.commit()
        slug, pk = article.slug, article.id
        key = article_files.storage_key(acme.id, article.file_key)
    assert local_files(a) == [] and s3_server["STORAGE_S3_PREFIX"] + key in \
        object_names(s3_server)
    reader = b.test_client()
    shown = reader.get(f"/en-US/acme/articles/{slug}/original")
    assert shown.status_code == 200 and shown.data == HTML  # streamed: it needs the sandbox
    assert shown.headers["Content-Security-Policy"].startswith("sandbox")
    assert shown.headers["Content-Disposition"] == "inline; filename=manual.html"
    download = reader.get(f"/en-US/acme/articles/{slug}/original?download=1")
    assert download.status_code == 302
    with urllib.request.urlopen(download.headers["Location"], timeout=10) as fetched:
        assert fetched.read() == HTML
        assert fetched.headers["Content-Disposition"] == "attachment; filename=manual.html"

    make_staff("admin@staff.example", "staff-password-1", "admin", acme)
    staff = staff_login(IsolatedClient(b, b.response_class, use_cookies=True),
                        "admin@staff.example")
    source = staff.get(f"/admin/kb/articles/{pk}/file")
    assert source.status_code == 200 and source.mimetype == "text/plain" and source.data == HTML
    page = staff.get(f"/admin/kb/articles/{pk}")
    deleted = staff.post(f"/admin/kb/articles/{pk}/delete", data={"csrf_token": csrf_from(
        page.get_data(as_text=True))})
    assert deleted.status_code == 303
    assert s3_server["STORAGE_S3_PREFIX"] + key not in object_names(s3_server)
    assert reader.get(f"/en-US/acme/articles/{slug}/original").status_code == 404


def test_deleting_a_ticket_removes_its_objects(instance, acme, s3_server):  # noqa: F811
    a = instance("a")
    client = signed_in(a, make_contact(acme, "pat@customer.example"))
    before = object_names(s3_server)
    number = upload_ticket(client, [(BytesIO(LOG), "log.txt"), (BytesIO(PNG), "a.png")])
    kept = upload_ticket(client, [(BytesIO(LOG), "log.txt")])
    added = object_names(s3_server) - before
    assert len(added) == 3
    agent = make_staff("agent@staff.example", "staff-password-1", "admin", acme)
    with a.app_context(), use_workspace(acme.id):
        ticket = db.session.scalar(db.select(Ticket).where(
            Ticket.workspace_id == acme.id, Ticket.number == number))
        ticket_removal.delete_ticket(ticket, actors.staff(agent))
    assert len(object_names(s3_server) & added) == 1
    assert client.get(file_urls(acme, kept)["log.txt"]).status_code == 200


def test_a_missing_object_is_a_404_not_a_500(instance, acme, s3_server):  # noqa: F811
    client = signed_in(instance("a"), make_contact(acme, "pat@customer.example"))
    before = object_names(s3_server)
    number = upload_ticket(client, [(BytesIO(LOG), "log.txt")])
    (name,) = object_names(s3_server) - before
    s3_client(s3_server).delete_object(Bucket=s3_server["STORAGE_S3_BUCKET"], Key=name)
    assert client.get(file_urls(acme, number)["log.txt"]).status_code == 404


def test_signed_urls_use_the_public_address_when_one_is_set(instance, s3_server):  # noqa: F811
    """Inside a compose network the app reaches the storage as e.g. `minio:9000`; browsers
    need the address the proxy publishes. Here: `localhost` for the same server."""
    public = s3_server["STORAGE_S3_ENDPOINT_URL"].replace("127.0.0.1", "localhost")
    a = instance("a", STORAGE_S3_REDIRECT=True, STORAGE_S3_PUBLIC_ENDPOINT_URL=public)
    with a.app_context():
        storage = get_storage()
        storage.put("1/public-check", b"public", "text/plain")
        url = storage.signed_url("1/public-check", "x.txt", "text/plain", True)
    assert url.startswith(public + "/" + s3_server["STORAGE_S3_BUCKET"] + "/hp/1/public-check?")
    with urllib.request.urlopen(url, timeout=10) as fetched:
        assert fetched.read() == b"public"
