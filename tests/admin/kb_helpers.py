"""Shared by the knowledge-base admin tests: forms posted as a browser would, a small
real PDF, and reading articles back in their workspace."""

import io
import zlib

from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Directory
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf

ARTICLES = "/admin/kb/articles"
ARTICLE_API = "/api/v1/article/"
DIRECTORIES = "/admin/kb/directories"


def token(client, url=ARTICLES + "/") -> str:
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return fab_csrf(page.text)


def post_article(client, data: dict, url=ARTICLES + "/new", files=None, status=303):
    form = {"csrf_token": token(client, ARTICLES + "/new?kind=native"), **data}
    for name, (filename, content) in (files or {}).items():
        form[name] = (io.BytesIO(content), filename)
    resp = client.post(url, data=form, content_type="multipart/form-data")
    assert resp.status_code == status, (resp.status_code, resp.text[:800])
    return resp


def article_id(resp) -> int:
    return int(resp.headers["Location"].rstrip("/").split("/")[-1])


def load(ws, pk) -> Article | None:
    db.session.expire_all()
    with use_workspace(ws.id):
        article = db.session.scalar(select(Article).where(Article.id == pk))
        if article is not None:
            article.translations  # noqa: B018 - load while the workspace is set
        return article


def stored_directories(ws) -> list[Directory]:
    db.session.expire_all()
    with use_workspace(ws.id):
        return list(db.session.scalars(select(Directory).order_by(Directory.id)))


def make_pdf(text: str) -> bytes:
    """A one-page PDF whose text pypdf extracts: objects, a content stream, an xref table."""
    stream = zlib.compress(f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)
