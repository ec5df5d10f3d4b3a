"""Articles as PDF (issue 14, part 3): the "Download as PDF" link and `<article URL>.pdf`
only while the workspace's PDF toggle is on and only for native articles; the same readers
as the article page; the branding, title, URL and images in the file, read back with pypdf;
a second request from the cache; Arabic (right to left) and Japanese text."""

import io
import re
import shutil
import subprocess

import pytest
from PIL import Image
from pypdf import PdfReader

from portal.extensions import db
from portal.models import ArticleTranslation
from portal.services import article_content, article_pdf, articles, portal_images, \
    portal_settings
from portal.tenancy import use_workspace
from tests.factories import login_as, make_contact

BASE = "/en-US/acme/articles"


def png(colour, size=(48, 32)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def set_features(ws, **values):
    portal_settings.change(ws, {f"features.{k}": v for k, v in values.items()})
    db.session.commit()


@pytest.fixture
def site(acme, jobs):
    """acme, public knowledge base, PDF on, a stored logo, a native article showing a
    stored image, a verified-only article, a link and a file article."""
    set_features(acme, knowledge_base="public", pdf_export=True)
    with use_workspace(acme.id):
        logo = portal_images.store_image(acme, "logo", png((200, 30, 30)), "logo.png", "t")
        figure = portal_images.store_image(acme, "logo_dark", png((30, 30, 200), (64, 64)),
                                           "figure.png", "t")
        portal_settings.change(acme, {"appearance.logo": logo,
                                      "appearance.company_name": "Acme Printing Co",
                                      "appearance.accent_color": "#8a2be2"})
        made = {
            "guide": articles.save(
                acme, locale="en-US", title="Replace the toner cartridge",
                body=f"Open the **front cover** first.\n\n![The tray]({figure})\n\n"
                     "![outside](https://example.com/tracker.png)",
                status="published", audience="public"),
            "verified": articles.save(acme, locale="en-US", title="Verified payroll dates",
                                      body="Payroll dates for staff.", status="published",
                                      audience="verified"),
            "link": articles.save(acme, locale="en-US", title="Status page", body="",
                                  kind="link", link_url="https://status.example.com/",
                                  status="published"),
        }
        db.session.commit()
    jobs()
    return made


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_smoke(client, site):
    page = client.get(f"{BASE}/replace-the-toner-cartridge")
    html = page.get_data(as_text=True)
    link = re.search(r'href="([^"]+\.pdf\?v=[0-9a-f]+)" download>Download as PDF', html)
    assert link, html
    got = client.get(link.group(1))
    assert got.status_code == 200, got.get_data(as_text=True)[:2000]
    open("/tmp/pdfwork/smoke.pdf", "wb").write(got.data)
    print(got.headers)
    print(pdf_text(got.data))
