"""Turning article sources into safe HTML and into plain text for search, and titles
into slugs.

Markdown is rendered by markdown-it (raw HTML in the source is not passed through) and the
result sanitized by nh3; uploaded HTML is never shown as is, only its extracted text.
"""

import re
import unicodedata
from html.parser import HTMLParser
from io import BytesIO

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
ALLOWED_TAGS = {"a", "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
                "strong", "em", "code", "pre", "blockquote", "table", "thead", "tbody", "tr",
                "th", "td", "img"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
                      "th": {"align"}, "td": {"align"}}


class Unreadable(ValueError):
    """A file whose text cannot be extracted (binary, broken PDF, wrong encoding)."""


def render_markdown(source: str) -> str:
    return nh3.clean(_md.render(source or ""), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


class _TextParser(HTMLParser):
    SKIP = {"script", "style", "noscript", "template", "head"}
    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
             "article", "pre", "blockquote", "table", "ul", "ol", "dd", "dt"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title = ""
        self.h1 = ""
        self._in = None

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP and tag != "head":
            self.skipping += 1
        if tag in ("title", "h1"):
            self._in = tag
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and tag != "head" and self.skipping:
            self.skipping -= 1
        if tag == self._in:
            self._in = None
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in == "title" and not self.title:
            self.title = data.strip()
            return
        if self._in == "title":
            return
        if self._in == "h1" and not self.h1 and data.strip():
            self.h1 = data.strip()
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> tuple[str, str]:
    """(title from <title> or the first <h1>, the visible text) of an HTML document."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text).strip()
    return (parser.title or parser.h1), text


def plain_text(description: str, body: str, body_html: str) -> str:
    """An article translation as plain text for search: the description and the body as a
    reader sees it (Markdown rendered to text; a file's extracted text as it is)."""
    text = html_text(body_html)[1] if body_html else body or ""
    return f"{description or ''}\n{text}".strip()


def markdown_title(source: str) -> str:
    for line in source.splitlines():
        match = re.match(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", line)
        if match:
            return match.group(1).strip()
    return ""


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252/Latin-1 text; binary is Unreadable."""
    if b"\x00" in data[:4096]:
        raise Unreadable("binary file")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text[:4096] if unicodedata.category(c) == "Cc"
                       and c not in "\n\r\t\f")
        if controls > 8:
            raise Unreadable("binary file")
        return text
    raise Unreadable("unknown text encoding")


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(BytesIO(data))
        text = "\n\n".join((page.extract_text() or "") for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise Unreadable(f"broken PDF: {exc}") from None
    return re.sub(r"[ \t]+", " ", text).strip()


def extract(filename: str, data: bytes) -> tuple[str, str, str]:
    """(kind, title, text) of an uploaded or imported file; kind is html, markdown, text or
    pdf. Raises Unreadable with the reason."""
    name = filename.lower()
    if name.endswith(".pdf"):
        if not data.startswith(b"%PDF-"):
            raise Unreadable("not a PDF file")
        return "pdf", "", pdf_text(data)
    text = decode_text(data)
    if name.endswith((".html", ".htm")):
        title, body = html_text(text)
        return "html", title, body
    if name.endswith((".md", ".markdown")):
        return "markdown", markdown_title(text), text.strip()
    if name.endswith(".txt"):
        return "text", "", text.strip()
    raise Unreadable("unsupported file type")


def slugify(text: str, fallback: str = "article") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].strip("-") or fallback


INLINE_TAGS = {"a", "p", "br", "strong", "em", "code"}


def render_limited_markdown(source: str) -> str:
    """Markdown for short texts (the portal's banner): emphasis, code and links only."""
    return nh3.clean(_md.render(source or ""), tags=INLINE_TAGS, attributes={"a": {"href"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
