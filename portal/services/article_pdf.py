"""An article as PDF (issue 14, part 3): rendered with WeasyPrint when the workspace's
`features.pdf_export` is on, for native articles only (an uploaded or linked article has
its own original), with the workspace's branding (name, stored logo, accent colour), the
title, the last-updated date, the article's URL and its images.

Who may read the article is decided before, by portal.services.article_access (the view
answers as the article page does). What is rendered is the same for every reader who may
read it, so one rendering serves them all.

- Images: WeasyPrint asks `fetcher` for every URL in the document; it answers only
  for the workspace's own stored images (`/look/<slug>/images/<digest>.<ext>`, as
  portal.services.portal_images keeps them), on the portal's own origins, from storage.
  Anything else (another host, `file:`, `data:`, another workspace's image) is refused:
  rendering never touches the network nor the file system.
- Direction: `dir="rtl"` when the text's locale is written right to left (Babel's
  `character_order`); fonts come from the system (DejaVu Sans covers Latin, Greek, Cyrillic,
  Arabic and Hebrew; a CJK font such as IPAGothic or Noto Sans CJK covers Japanese).
- Cache: Flask-Caching (portal.extensions.cache), keyed by the article's revision (the
  translation shown, its latest saved revision and times), the locale, the URL printed in
  it, a digest of the branding and of this code and its template. An edit or a new
  branding changes the key; a miss renders. `version` is that key's short digest: the page
  links to `...pdf?v=<version>`, and only a request for the current version may be kept
  long by browsers and proxies.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from flask import has_request_context, render_template, request, url_for
from flask_babel import format_date
from sqlalchemy import func, select

from config import ROOT
from portal.extensions import cache, db
from portal.models import Article, ArticleRevision, ArticleTranslation, Workspace
from portal.services import filenames, portal_images, portal_settings, workspaces
from portal.services.portal_public import color_tokens

CACHE_SECONDS = 7 * 24 * 3600  # a key names its revision: never stale, only unused
TEMPLATE = "kb/article_pdf.html"
LOOK_IMAGE = re.compile(r"/look/([^/]{1,63})/images/([0-9a-f]{32})\.([a-z]{3,4})")
FONTS = ('"DejaVu Sans", "IPAGothic", "IPAPGothic", "Noto Sans CJK JP", '
         '"Noto Sans JP", sans-serif')


def enabled(ws: Workspace) -> bool:
    return bool(portal_settings.published(ws).features.pdf_export)


def offered(ws: Workspace, article: Article) -> bool:
    """Whether `article` has a PDF: the toggle is on and it is written here (native)."""
    return article.kind == "native" and enabled(ws)


def direction(locale: str | None) -> str:
    """`rtl` for a locale written right to left (`ar`, `he-IL`, `fa`), else `ltr`."""
    try:
        found = Locale.parse((locale or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return "ltr"
    return "rtl" if found.character_order == "right-to-left" else "ltr"


@dataclass(frozen=True)
class Branding:
    name: str
    logo: str | None  # a stored image's path, else None (an outside logo is not fetched)
    accent: str
    accent_contrast: str

    def digest(self) -> str:
        return _digest("|".join((self.name, self.logo or "", self.accent,
                                 self.accent_contrast)))


def branding(ws: Workspace) -> Branding:
    look = portal_settings.published(ws).appearance
    tokens = color_tokens(look.accent_color, look.dark_accent_color)["light"]
    logo = look.logo if _own_image(ws, look.logo or "") else None
    return Branding(look.company_name or ws.name, logo, tokens["--color-primary"],
                    tokens["--color-primary-contrast"])


def _own_image(ws: Workspace, path: str) -> bool:
    match = LOOK_IMAGE.fullmatch(path)
    return match is not None and match.group(1) == ws.slug


@dataclass(frozen=True)
class Export:
    """What one PDF is made of: the article, the text shown and where it lives."""

    ws: Workspace
    article: Article
    text: ArticleTranslation | None
    locale: str  # the page's locale (dates and labels)
    url: str  # the article page's absolute URL, printed in the PDF

    def revision(self) -> str:
        tr = self.text
        if tr is None:
            return f"{self.article.id}:{self.article.updated_at.isoformat()}:-"
        latest = db.session.scalar(select(func.max(ArticleRevision.id)).where(
            ArticleRevision.article_id == self.article.id, ArticleRevision.locale == tr.locale))
        return (f"{self.article.id}:{self.article.updated_at.isoformat()}:{tr.id}:{tr.locale}:"
                f"{tr.updated_at.isoformat()}:{latest or 0}")

    def key(self, look: Branding) -> str:
        parts = (_code_version(), self.ws.id, self.ws.created_at.isoformat(), self.revision(),
                 self.locale, self.url, look.digest())
        return "article-pdf:" + _digest("|".join(map(str, parts)))


def export_for(ws: Workspace, article: Article, text: ArticleTranslation | None,
               locale: str) -> Export:
    path = url_for("portal.article", slug=article.slug, locale=locale, workspace=ws.slug)
    return Export(ws, article, text, locale, workspaces.public_base(ws) + path)


def version(export: Export) -> str:
    """The short digest the page's link carries (`?v=`): it changes with every revision."""
    return export.key(branding(export.ws)).rsplit(":", 1)[1][:16]


def pdf_url(export: Export) -> str:
    return url_for("portal.article_pdf", slug=export.article.slug, v=version(export))


def filename(article: Article) -> str:
    return filenames.clean(article.slug, default="article") + ".pdf"


def document(export: Export) -> tuple[bytes, str, str]:
    """(the PDF, its version, "hit" or "miss"): from the cache, else rendered and kept."""
    look = branding(export.ws)
    key = export.key(look)
    found = cache.get(key)
    if isinstance(found, bytes) and found.startswith(b"%PDF"):
        return found, key.rsplit(":", 1)[1][:16], "hit"
    data = render(export, look)
    cache.set(key, data, timeout=CACHE_SECONDS)
    return data, key.rsplit(":", 1)[1][:16], "miss"


def render(export: Export, look: Branding | None = None) -> bytes:
    """The PDF of `export`, rendered now (WeasyPrint), images through `fetcher`."""
    from weasyprint import HTML  # loads Pango: only when a PDF is made

    _quiet_refusals()
    return HTML(string=html(export, look), base_url=export.url,
                url_fetcher=fetcher(export.ws, own_origins(export.ws))).write_pdf()


def html(export: Export, look: Branding | None = None) -> str:
    """The HTML WeasyPrint lays out: the text's own language and direction, the page's
    (labels, date) for the header lines."""
    look = look or branding(export.ws)
    tr = export.text
    text_locale = tr.locale if tr is not None else export.ws.default_locale
    return render_template(
        TEMPLATE, look=look, title=tr.title if tr else export.article.slug,
        description=(tr.description if tr else "") or "",
        body=(tr.body_html if tr else "") or "", url=export.url,
        updated=format_date(export.article.updated_at, "long"),
        lang=text_locale, dir=direction(text_locale), page_dir=direction(export.locale),
        fonts=FONTS)


REFUSED = "not one of the workspace's stored images"


class _RefusalsAreWarnings(logging.Filter):
    """WeasyPrint logs an image it could not load as an error; one the fetcher refused (an
    outside address in an article) is expected: a warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.WARNING and REFUSED in record.getMessage():
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


@lru_cache(maxsize=1)
def _quiet_refusals() -> None:
    logging.getLogger("weasyprint").addFilter(_RefusalsAreWarnings())


def own_origins(ws: Workspace) -> frozenset[str]:
    """The origins whose image paths are ours: the workspace's public address, the
    portal's, and the one this request came to."""
    found = {workspaces.public_base(ws), workspaces.public_base(None)}
    if has_request_context():
        found.add(request.host_url.rstrip("/"))
    return frozenset(_origin(url) for url in found)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def stored_image(ws: Workspace, origins: frozenset[str], url: str) -> tuple[bytes, str] | None:
    """(bytes, content type) of `url` when it names one of `ws`'s stored images on one of
    `origins`, else None. Storage is read; nothing else is."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or _origin(url) not in origins:
        return None
    path = parts.path
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root + "/"):
        path = path[len(root):]
    match = LOOK_IMAGE.fullmatch(path)
    if match is None or match.group(1) != ws.slug:
        return None
    data = portal_images.stored(ws, match.group(2), match.group(3))
    if data is None:
        return None
    return data, portal_images.CONTENT_TYPES[match.group(3)]


def fetcher(ws: Workspace, origins: frozenset[str]):
    """WeasyPrint's URL fetcher for `ws`'s PDFs: its stored images only (see above)."""
    return _fetcher_class()(ws, origins)


@lru_cache(maxsize=1)
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # Pango: only when used

    class StoredImages(URLFetcher):
        def __init__(self, ws: Workspace, origins: frozenset[str]):
            super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
            self.ws, self.origins = ws, origins

        def fetch(self, url, headers=None):
            found = stored_image(self.ws, self.origins, url)
            if found is None:
                raise ValueError(f"{REFUSED}: {url[:200]}")
            data, content_type = found
            return URLFetcherResponse(url, data, {"Content-Type": content_type})

    return StoredImages


@lru_cache(maxsize=1)
def _code_version() -> str:
    """This module and its template: a change of either never serves an older PDF."""
    template = ROOT / "themes" / "default" / "templates" / TEMPLATE
    digest = hashlib.sha256(Path(__file__).read_bytes())
    if template.is_file():
        digest.update(template.read_bytes())
    return digest.hexdigest()[:16]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]
