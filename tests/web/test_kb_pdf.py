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
from portal.services import article_pdf, article_uploads, articles, portal_images, portal_settings
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


def pdf_link(client, path=f"{BASE}/replace-the-toner-cartridge") -> str | None:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'<a href="([^"]+)" download>Download as PDF</a>', html)
    return found.group(1).replace("&amp;", "&") if found else None


def has_font(lang: str) -> bool:
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", f":lang={lang}", "family"], capture_output=True,
                            text=True, check=False)
    return bool(listed.stdout.strip())


def test_toggle_off_means_no_link_and_404(client, site, acme):
    set_features(acme, pdf_export=False)
    assert client.get(f"{BASE}/replace-the-toner-cartridge").status_code == 200
    assert pdf_link(client) is None
    assert client.get(f"{BASE}/replace-the-toner-cartridge.pdf").status_code == 404
    set_features(acme, pdf_export=True)  # the cached page changes with the settings
    assert pdf_link(client) is not None
    assert client.get(f"{BASE}/replace-the-toner-cartridge.pdf").status_code == 200


def test_pdf_has_branding_title_date_url_and_stored_images_only(client, site):
    link = pdf_link(client)
    assert re.fullmatch(rf"{BASE}/replace-the-toner-cartridge\.pdf\?v=[0-9a-f]{{16}}", link)
    got = client.get(link)
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"] == \
        "attachment; filename=replace-the-toner-cartridge.pdf"
    assert got.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(got.data))
    text = pdf_text(got.data)
    for expected in ("Acme Printing Co", "Replace the toner cartridge", "Last updated",
                     "Open the front cover first.",
                     "http://portal.test/en-US/acme/articles/replace-the-toner-cartridge"):
        assert expected in text, (expected, text)
    assert reader.metadata.title == "Replace the toner cartridge"
    # the logo and the article's stored image; the outside image was never fetched
    sizes = sorted(image.image.size for page in reader.pages for image in page.images)
    assert sizes == [(48, 32), (64, 64)]
    assert text.count("outside") == 1  # its alternative text stands in for it


def test_the_fetcher_serves_only_this_workspaces_stored_images(app, site, acme, globex):
    with use_workspace(globex.id):
        theirs = portal_images.store_image(globex, "logo", png((0, 90, 0)), "g.png", "t")
    with use_workspace(acme.id):
        ours = portal_settings.published(acme).appearance.logo
    origin = "http://portal.test"
    with app.test_request_context("/en-US/acme/articles/x.pdf", base_url=origin):
        origins = article_pdf.own_origins(acme)
        fetch = article_pdf.fetcher(acme, origins).fetch
        assert fetch(origin + ours).read() == portal_images.stored(
            acme, *re.search(r"([0-9a-f]{32})\.(\w+)$", ours).groups())
        refused = (origin + theirs, origin + ours.replace("/acme/", "/globex/"),
                   "https://example.com" + ours, "file:///etc/passwd",
                   "data:image/png;base64,iVBORw0KGgo=", origin + "/assets/portal.css",
                   origin + "/en-US/acme/articles/replace-the-toner-cartridge")
        for url in refused:
            with pytest.raises(ValueError):
                fetch(url)


def test_uploaded_and_linked_articles_have_no_pdf(client, site, acme):
    with use_workspace(acme.id):
        upload = article_uploads.save_file(acme, "manual.txt", b"Reset the router.",
                                           locale="en-US", status="published",
                                           audience="public")
        db.session.commit()
    for slug in ("status-page", upload.slug):
        assert client.get(f"{BASE}/{slug}").status_code == 200
        assert pdf_link(client, f"{BASE}/{slug}") is None
        assert client.get(f"{BASE}/{slug}.pdf").status_code == 404
    assert client.get(f"{BASE}/no-such-article.pdf").status_code == 404


def test_same_readers_as_the_article_page(app, client, site, acme):
    page, pdf = (client.get(f"{BASE}/verified-payroll-dates{ext}") for ext in ("", ".pdf"))
    assert page.status_code == pdf.status_code == 404
    reader = app.test_client()
    login_as(reader, make_contact(acme, "v@acme.example", verified=True))
    db.session.commit()
    assert pdf_link(reader, f"{BASE}/verified-payroll-dates") is not None
    got = reader.get(f"{BASE}/verified-payroll-dates.pdf")
    assert got.status_code == 200 and "Verified payroll dates" in pdf_text(got.data)
    # a private knowledge base: the anonymous visitor is sent to sign in, as by the page
    set_features(acme, knowledge_base="private")
    page, pdf = (client.get(f"{BASE}/replace-the-toner-cartridge{ext}") for ext in ("", ".pdf"))
    assert page.status_code == pdf.status_code == 302
    assert "/en-US/acme/signin?next=" in pdf.headers["Location"]
    assert ".pdf" in pdf.headers["Location"]
    # a draft is nobody's, in the portal
    with use_workspace(acme.id):
        guide = site["guide"]
        guide.status = "draft"
        db.session.commit()
    assert reader.get(f"{BASE}/replace-the-toner-cartridge.pdf").status_code == 404


def test_second_request_from_the_cache_until_the_article_changes(client, site, acme):
    link = pdf_link(client)
    first = client.get(link)
    again = client.get(link)
    assert (first.headers["X-PDF-Cache"], again.headers["X-PDF-Cache"]) == ("miss", "hit")
    assert first.data == again.data
    assert again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = client.get(f"{BASE}/replace-the-toner-cartridge.pdf")
    assert plain.headers["X-PDF-Cache"] == "hit"
    assert plain.headers["Cache-Control"] == "private, no-cache"  # not keyed by revision
    etag = plain.headers["ETag"]
    assert client.get(f"{BASE}/replace-the-toner-cartridge.pdf",
                      headers={"If-None-Match": etag}).status_code == 304
    with use_workspace(acme.id):
        articles.save(acme, article=site["guide"], locale="en-US",
                      title="Replace the toner cartridge safely", body="Unplug it first.",
                      status="published", audience="public")
    fresh = pdf_link(client)
    assert fresh != link
    changed = client.get(fresh)
    assert changed.headers["X-PDF-Cache"] == "miss"
    assert "Unplug it first." in pdf_text(changed.data)
    stale = client.get(link)  # an old link gets the new file, not for long
    assert stale.headers["Cache-Control"] == "private, no-cache"
    assert "Unplug it first." in pdf_text(stale.data)
    # new branding: a new file
    set_features(acme)
    with use_workspace(acme.id):
        portal_settings.change(acme, {"appearance.company_name": "Acme Imaging"})
        db.session.commit()
    rebranded = client.get(pdf_link(client))
    assert rebranded.headers["X-PDF-Cache"] == "miss"
    assert "Acme Imaging" in pdf_text(rebranded.data)


def test_an_article_opened_by_its_id_redirects_to_its_slug(client, site):
    got = client.get(f"{BASE}/{site['guide'].id}.pdf")
    assert got.status_code == 301
    assert got.headers["Location"].endswith(f"{BASE}/replace-the-toner-cartridge.pdf")


ARABIC = "مرحبا بكم في مركز المساعدة"
JAPANESE = "トナーカートリッジの交換方法"


def only_translation(ws, article, locale, title, body):
    """Make `locale` the article's only text (a language the portal may not offer)."""
    for tr in list(article.translations):
        article.translations.remove(tr)
    db.session.flush()
    article.translations.append(ArticleTranslation(
        workspace_id=ws.id, article_id=article.id, locale=locale, title=title,
        body=body, body_html=f"<p>{body}</p>"))
    db.session.commit()


def test_arabic_is_laid_out_right_to_left_and_extracted(app, client, site, acme):
    assert article_pdf.direction("ar") == "rtl" and article_pdf.direction("he-IL") == "rtl"
    assert article_pdf.direction("en-US") == "ltr" and article_pdf.direction("xx") == "ltr"
    with use_workspace(acme.id):
        only_translation(acme, site["guide"], "ar", "تغيير الحبر", ARABIC)
    with app.test_request_context(f"{BASE}/replace-the-toner-cartridge.pdf"):
        with use_workspace(acme.id):
            export = article_pdf.export_for(acme, site["guide"], site["guide"].translations[0],
                                            "en-US")
            laid_out = article_pdf.html(export)
    assert '<html lang="ar" dir="rtl">' in laid_out
    got = client.get(f"{BASE}/replace-the-toner-cartridge.pdf")
    assert got.status_code == 200
    text = pdf_text(got.data)
    assert "تغيير الحبر" in text and ARABIC in text, text  # in logical order


@pytest.mark.skipif(not has_font("ja"), reason="no Japanese font installed (fc-list :lang=ja "
                    "is empty): install fonts-ipafont-gothic (scripts/install-test-deps.sh)")
def test_japanese_text_is_extracted(client, site, acme):
    with use_workspace(acme.id):
        only_translation(acme, site["guide"], "ja", "トナーの交換", JAPANESE)
    got = client.get(f"{BASE}/replace-the-toner-cartridge.pdf")
    assert got.status_code == 200
    text = pdf_text(got.data)
    assert JAPANESE in text.replace(" ", "").replace("\n", ""), text
    fonts = {str(font.get("/BaseFont")) for page in PdfReader(io.BytesIO(got.data)).pages
             for font in page["/Resources"]["/Font"].values()
             for font in [font.get_object()]}
    assert any("IPA" in name or "CJK" in name or "JP" in name for name in fonts), fonts
