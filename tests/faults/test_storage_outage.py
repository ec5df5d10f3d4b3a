"""The object storage is unreachable: downloads and uploads answer 503 (a page for the
portal, JSON for the APIs) and say why, never a 500; nothing half-saved is left behind."""

import socket
import time
from io import BytesIO

import pytest

from portal.extensions import db
from portal.models import Attachment, Ticket
from portal.services import article_uploads, attachments
from portal.tenancy import use_workspace
from tests.admin.conftest import jwt_token, new_client
from tests.conftest import csrf_from
from tests.factories import login_as, make_contact, make_staff
from tests.isolated_client import IsolatedClient
from tests.s3_server import KEYS, close_instance, instance_config
from tests.tickets_helpers import open_ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nobody listens once the socket is closed


@pytest.fixture
def offline(app, make_app, tmp_path):
    other = make_app(instance_config(
        app, tmp_path / "uploads", STORAGE_BACKEND="s3", STORAGE_S3_BUCKET="gone",
        STORAGE_S3_ENDPOINT_URL=f"http://127.0.0.1:{_closed_port()}",
        STORAGE_S3_ADDRESSING_STYLE="path", **KEYS))
    other.test_client_class = IsolatedClient
    yield other
    close_instance(other)


def test_uploads_and_downloads_answer_503_while_the_storage_is_down(offline, acme, caplog):
    pat = make_contact(acme, "pat@customer.example")
    client = offline.test_client()
    login_as(client, pat)
    page = client.get("/en-US/acme/tickets/new").get_data(as_text=True)
    started = time.monotonic()
    refused = client.post("/en-US/acme/tickets", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "title": "Printer on fire", "description": "See logs",
        "priority": "normal", "category": "problem", "files": [(BytesIO(PNG), "a.png")]})
    assert time.monotonic() - started < 10
    assert refused.status_code == 503
    assert "Please try again in a moment." in refused.get_data(as_text=True)
    assert '"error-code" aria-hidden="true">503<' in refused.get_data(as_text=True)
    with use_workspace(acme.id):
        assert db.session.scalar(db.select(db.func.count()).select_from(Ticket)) == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
    assert "object storage unreachable" in caplog.text

    ticket = open_ticket(acme, pat)  # stored by the session app (its own disk)
    with use_workspace(acme.id):
        (att,) = attachments.store(ticket, attachments.check_all(acme, [("a.png", PNG)]))
        db.session.commit()
        url = f"/en-US/acme/tickets/{ticket.number}/files/{att.id}"
    down = client.get(url)
    assert down.status_code == 503
    assert "Please try again in a moment." in down.get_data(as_text=True)
    stranger = offline.test_client()
    login_as(stranger, make_contact(acme, "sam@customer.example"))
    assert stranger.get(url).status_code == 404  # who may see it is checked first


def test_the_staff_api_answers_503_json_for_an_unreachable_file(offline, acme, app):
    make_staff("admin@staff.example", "staff-password-1", "admin", acme)
    with use_workspace(acme.id):  # stored by the session app (its own disk)
        pk = article_uploads.save_file(acme, "manual.txt", b"Reset the router.", locale="en-US").id
        db.session.commit()
    client = new_client(offline)
    token = jwt_token(client, "admin@staff.example")
    answer = client.get(f"/api/v1/article/{pk}/file", headers={
        "Authorization": f"Bearer {token}", "X-Workspace": "acme"})
    assert answer.status_code == 503
    assert answer.get_json() == {"error": "service_unavailable", "message": "Files cannot be "
                                 "reached right now. Please try again in a moment."}
