"""`flask --app app portal identity-provider add|list`: metadata from a file or a URL (a
real local HTTP server), with a preset."""

import http.server
import socketserver
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
    """The IdP's metadata at http://127.0.0.1:<port>/metadata, /redirect sends there (302);
    other paths 404."""
    body = idp.metadata_xml().encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/metadata")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
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
    assert listed.output.split() == ["entra", "azure", "enabled", idp.entity_id, "any"]


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


def test_add_with_email_domains_then_list(runner, acme, idp, tmp_path):
    path = tmp_path / "idp.xml"
    path.write_text(idp.metadata_xml())
    add = ["portal", "identity-provider", "add", "--workspace", "acme", "--name", "corp",
           "--metadata", str(path)]
    bad = runner.invoke(args=[*add, "--domains", "corp.example,not_a_domain"])
    assert bad.exit_code == 1 and "not_a_domain is not a domain name" in bad.output
    result = runner.invoke(args=[*add, "--domains", "Corp.example, @sub.corp.example"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    with use_workspace(acme.id):
        assert identity_providers.by_name(acme, "corp").email_domains == [
            "corp.example", "sub.corp.example"]
    listed = runner.invoke(args=["portal", "identity-provider", "list", "--workspace", "acme"])
    assert listed.output.split() == ["corp", "custom", "enabled", idp.entity_id,
                                     "corp.example,sub.corp.example"]


@pytest.fixture
def garbage():
    """A server at http://127.0.0.1:<port>/ that answers no HTTP at all."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            self.rfile.readline()
            self.wfile.write(b"hello, this is no HTTP\r\n\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_failures_are_one_message(app, served, garbage):
    """A redirect is not followed (the address checked is the only one reached), and a bad
    port or a hostile server is a refusal like any other, never an error."""
    from portal.services.errors import Invalid

    assert identity_providers.fetch_metadata(served + "/metadata", private_hosts=True)
    for url in (served + "/redirect", "https://idp.example:99999/metadata", garbage + "/",
                served + "/missing"):
        for private_hosts in (True, False):
            with pytest.raises(Invalid) as refused:
                identity_providers.fetch_metadata(url, private_hosts=private_hosts)
            message = refused.value.message
            if private_hosts or ":99999" in url:
                assert message == "The metadata could not be fetched from that URL.", url
