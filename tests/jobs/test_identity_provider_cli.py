"""`flask --app app portal identity-provider add|list`: metadata from a file or a URL (a
real local HTTP server), with a preset."""

import http.server
import threading

import pytest

from portal.extensions import db
from portal.services import identity_providers
from portal.tenancy import use_workspace
from tests.saml_idp import TestIdP


@pytest.fixture
def idp(tmp_path):
    return TestIdP(tmp_path / "idp")


@pytest.fixture
def served(idp):
    """The IdP's metadata at http://127.0.0.1:<port>/metadata; other paths 404."""
    body = idp.metadata_xml().encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path != "/metadata":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_add_from_a_file_then_list(runner, acme, idp, tmp_path):
    path = tmp_path / "idp.xml"
    path.write_text(idp.metadata_xml())
    result = runner.invoke(args=["portal", "identity-provider", "add", "--workspace", "acme",
                                 "--name", "entra", "--metadata", str(path),
                                 "--preset", "azure"])
    assert result.exit_code == 0, result.output
    assert idp.entity_id in result.output
    assert "http://portal.test/sso/acme/saml/metadata" in result.output
    db.session.expire_all()
    with use_workspace(acme.id):
        (row,) = identity_providers.listed(acme)
        assert row.preset == "azure" and row.metadata_url is None
        assert row.attribute_map["email"].endswith("/claims/emailaddress")
    listed = runner.invoke(args=["portal", "identity-provider", "list", "--workspace", "acme"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.split() == ["entra", "azure", "enabled", idp.entity_id]


def test_add_from_a_url(runner, acme, idp, served):
    result = runner.invoke(args=["portal", "identity-provider", "add", "--workspace", "acme",
                                 "--name", "okta", "--metadata", served + "/metadata",
                                 "--preset", "okta"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    with use_workspace(acme.id):
        row = identity_providers.by_name(acme, "okta")
        assert row.metadata_url == served + "/metadata" and row.entity_id == idp.entity_id
        assert row.attribute_map["first_name"] == "firstName"


def test_refusals_are_messages_not_tracebacks(runner, acme, globex, idp, served, tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<hello/>")
    cases = [
        (["--metadata", served + "/missing"], "could not be fetched"),
        (["--metadata", str(bad)], "exactly one identity provider"),
        (["--metadata", str(tmp_path / "none.xml")], "no such file"),
        (["--metadata", served + "/metadata", "--name", "Bad Name!"], "lower-case"),
    ]
    for extra, text in cases:
        args = ["portal", "identity-provider", "add", "--workspace", "acme", "--name", "x",
                *extra]
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and text in result.output, (extra, result.output)
    listed = runner.invoke(args=["portal", "identity-provider", "list", "--workspace", "acme"])
    assert "no identity provider" in listed.output
    other = runner.invoke(args=["portal", "identity-provider", "list", "--workspace", "nope"])
    assert other.exit_code == 1


def test_metadata_over_the_size_limit_is_refused(app, runner, acme, served, monkeypatch):
    monkeypatch.setitem(app.config, "SAML_METADATA_MAX_BYTES", 200)
    result = runner.invoke(args=["portal", "identity-provider", "add", "--workspace", "acme",
                                 "--name", "big", "--metadata", served + "/metadata"])
    assert result.exit_code == 1 and "larger than the limit" in result.output
