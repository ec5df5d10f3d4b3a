"""A real SAML 2.0 identity provider for tests: pysaml2's own `saml2.server.Server`, with a
key and certificate made here (the `cryptography` package) and its own metadata, signing
with RSA-SHA256 (pysaml2 would sign with SHA-1 unless told).

    idp = TestIdP(tmp_path)                       # metadata: idp.metadata_xml()
    idp.trust_sp(sp_metadata_xml)                 # our /sso/<slug>/saml/metadata
    form = idp.respond(email="ann@x.example", in_response_to=request_id, acs=..., sp=...)
    client.post(acs, data={"SAMLResponse": form, "RelayState": "/en-US/acme/tickets"})
"""

import base64
import datetime as dt
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.attribute_converter import AttributeConverter
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

XMLSEC = "/usr/bin/xmlsec1"


def make_key_and_certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """An unencrypted PEM RSA key and a self-signed PEM certificate, as files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class TestIdP:
    """An identity provider at https://<host>/ (nothing listens there: its SSO endpoint
    only names where the browser would go; tests play the browser)."""

    __test__ = False  # not a test class

    def __init__(self, folder: Path, host: str = "idp.test", name: str = "idp"):
        self.folder = Path(folder)
        self.entity_id = f"https://{host}/saml/metadata"
        self.sso_url = f"https://{host}/saml/sso"
        self.key, self.cert = make_key_and_certificate(self.folder, name)
        self.sp_metadata: list[str] = []
        self.server = self._server()

    def _config(self) -> IdPConfig:
        conf = IdPConfig()
        conf.load({
            "entityid": self.entity_id,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [
                    (self.sso_url, BINDING_HTTP_REDIRECT), (self.sso_url, BINDING_HTTP_POST)]},
                "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                "policy": {"default": {"lifetime": {"minutes": 5},
                                       "attribute_restrictions": None,
                                       "name_form": NAME_FORMAT_URI}},
                "sign_response": True,
                "sign_assertion": True,
            }},
            "key_file": str(self.key),
            "cert_file": str(self.cert),
            "xmlsec_binary": XMLSEC,
            "metadata": {"inline": list(self.sp_metadata)},
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
        })
        return conf

    def _server(self) -> Server:
        """pysaml2's IdP renames attributes it knows (firstName -> urn:oid:2.5.4.42); a
        converter with an empty map sends every attribute under the name given, as Okta,
        Entra ID and Google send theirs."""
        server = Server(config=self._config())
        names = AttributeConverter(NAME_FORMAT_URI)
        names.from_dict({"identifier": NAME_FORMAT_URI, "fro": {}, "to": {}})
        server.config.attribute_converters = [names]
        return server

    def metadata_xml(self) -> str:
        return str(entity_descriptor(self._config()))

    def trust_sp(self, sp_metadata_xml: str) -> None:
        """Load a service provider's metadata (as an IdP admin registers an application)."""
        self.sp_metadata.append(sp_metadata_xml)
        self.server = self._server()

    def request_id(self, login_location: str) -> str:
        """The id of the AuthnRequest the SP sent the browser here with (HTTP-Redirect)."""
        query = parse_qs(urlsplit(login_location).query)
        parsed = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        return parsed.message.id

    def respond(self, *, email: str, acs: str, sp: str, in_response_to: str | None = None,
                attributes: dict | None = None, sign_response: bool = True,
                sign_assertion: bool = True, sha1: bool = False,
                issuer: str | None = None) -> str:
        """A base64 SAMLResponse (as the IdP's auto-posting form carries it) for `email`,
        sent to `acs` for the SP `sp` (its entity id); `in_response_to` None is an
        IdP-initiated (unsolicited) response."""
        identity = attributes if attributes is not None else {"email": [email]}
        name_id = NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email)
        response = self.server.create_authn_response(
            identity, in_response_to, acs, sp, name_id=name_id,
            sign_response=sign_response, sign_assertion=sign_assertion,
            sign_alg=SIG_RSA_SHA1 if sha1 else SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA1 if sha1 else DIGEST_SHA256,
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            issuer=issuer)
        return base64.b64encode(str(response).encode()).decode()


def decoded(saml_response: str) -> str:
    return base64.b64decode(saml_response).decode()


def encoded(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


SP_ENTITY = "http://portal.test/sso/{slug}/saml/metadata"  # BASE_URL of the test app
SP_ACS = "http://portal.test/sso/{slug}/saml/acs"


def add_idp(ws, idp: TestIdP, client, name: str = "corp", **options):
    """`idp` added to `ws` (SAML sign-in on) and told our metadata, as an admin does."""
    from portal.extensions import db
    from portal.services import identity_providers
    from portal.tenancy import use_workspace

    with use_workspace(ws.id):
        row = identity_providers.add(ws, name, metadata_xml=idp.metadata_xml(), **options)
        ws.sign_in_saml = True
        db.session.commit()
    got = client.get(f"/sso/{ws.slug}/saml/metadata")
    assert got.status_code == 200, got.text
    idp.trust_sp(got.text)
    return row


def start_login(client, ws, idp: TestIdP, next_path: str | None = None, name: str = "") -> str:
    """Begin SP-initiated sign-in; the id of the AuthnRequest that reached the IdP."""
    query = {"next": next_path} if next_path else {}
    if name:
        query["idp"] = name
    got = client.get(f"/sso/{ws.slug}/saml/login", query_string=query)
    assert got.status_code == 303, got.text
    assert got.headers["Location"].startswith(idp.sso_url)
    return idp.request_id(got.headers["Location"])


def post_response(client, ws, saml_response: str, relay_state: str | None = None):
    data = {"SAMLResponse": saml_response}
    if relay_state is not None:
        data["RelayState"] = relay_state
    return client.post(f"/sso/{ws.slug}/saml/acs", data=data)


def shift_idp_clock(monkeypatch, seconds: int) -> None:
    """pysaml2's clock (saml2.time_util) `seconds` off, for the responses made meanwhile:
    an IdP whose clock is ahead or behind ours."""
    import time as real_time
    from datetime import datetime as real_datetime
    from datetime import timedelta

    import saml2.time_util as clock

    class Time:
        def __getattr__(self, name):
            return getattr(real_time, name)

        def time(self):
            return real_time.time() + seconds

        def gmtime(self, secs=None):
            return real_time.gmtime(self.time() if secs is None else secs)

    class Datetime(real_datetime):
        @classmethod
        def now(cls, tz=None):
            return real_datetime.now(tz) + timedelta(seconds=seconds)

    monkeypatch.setattr(clock, "time", Time())
    monkeypatch.setattr(clock, "datetime", Datetime)


def other_sp_metadata(entity_id: str, acs: str) -> str:
    """The metadata of some other service provider (the IdP must know an SP to answer it)."""
    from saml2.config import SPConfig

    conf = SPConfig()
    conf.load({"entityid": entity_id, "xmlsec_binary": XMLSEC, "service": {"sp": {
        "endpoints": {"assertion_consumer_service": [(acs, BINDING_HTTP_POST)]}}}})
    return str(entity_descriptor(conf))


def expired(metadata_xml: str) -> str:
    """The metadata with a validUntil in the past."""
    return re.sub(r"(<(\w+:)?EntityDescriptor )", r'\1validUntil="2001-01-01T00:00:00Z" ',
                  metadata_xml, count=1)


def without_redirect_binding(metadata_xml: str) -> str:
    """The metadata offering single sign-on over HTTP-POST only."""
    found = re.sub(r"<[^<>]*SingleSignOnService[^<>]*HTTP-Redirect[^<>]*/>", "", metadata_xml)
    assert found != metadata_xml and "SingleSignOnService" in found
    return found


def sessions_count() -> int:
    """Customer sessions in every workspace."""
    from sqlalchemy import func, select

    from portal.models import CustomerSession

    return _db().session.execute(
        select(func.count()).select_from(CustomerSession).execution_options(
            all_workspaces=True)).scalar()


def assert_refused(got, caplog, text: str):
    """The refused page with `text`, its log line, and nobody signed in."""
    assert got.status_code == 401, got.text
    assert "Sign-in refused" in got.text
    assert text in got.text
    assert "SAML sign-in refused" in caplog.text
    assert "helpport_customer_" not in got.headers.get("Set-Cookie", "")
    assert sessions_count() == 0


def _db():
    from portal.extensions import db

    return db
