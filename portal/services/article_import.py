"""Importing a folder of documents (`flask portal import-articles`) as native articles.

Each `.html`, `.htm`, `.md` or `.txt` file becomes one article whose `external_ref` is the
file name without its extension, so importing the same folder again updates the articles
instead of duplicating them. A file is read, decoded and its text extracted before the
database is touched, and saved inside its own savepoint and committed on its own: a file
that fails leaves nothing behind, and never stops the others.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, Workspace
from portal.services import article_content, articles, directories
from portal.services.errors import ServiceError

SUFFIXES = (".html", ".htm", ".md", ".txt")
REF_MAX = 200


class Rejected(Exception):
    """A file that cannot be imported; the message says why."""


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[Path, str]] = field(default_factory=list)

    def line(self) -> str:
        return (f"created {self.created}, updated {self.updated}, "
                f"rejected {len(self.rejected)}")


def collect(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named directly (whatever their suffix: an unsupported one is rejected later)
    and, walked in name order, the importable files under each directory named."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            yield path


def read(path: Path) -> tuple[str, str]:
    """(title, body) of one file, or Rejected with the reason."""
    if path.suffix.lower() not in SUFFIXES:
        raise Rejected("unsupported file type (not .html, .htm, .md or .txt)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Rejected(f"cannot be read: {exc.strerror or exc}") from None
    if not data.strip():
        raise Rejected("empty file")
    try:
        kind, title, text = article_content.extract(path.name, data)
    except article_content.Unreadable as exc:
        reason = str(exc)
        if reason == "unknown text encoding":
            reason = "not UTF-8 text and cannot be decoded"
        raise Rejected(reason) from None
    if not text.strip() or "\x00" in text:
        raise Rejected("broken HTML: no visible text" if kind == "html" else "no text")
    if len(text) > articles.BODY_MAX:
        raise Rejected("too long")
    title = " ".join((title or path.name).split())[:articles.TITLE_MAX]
    return title, text


def import_file(ws: Workspace, path: Path, *, status: str, audience: str, locale: str,
                directory_id: int | None) -> str:
    """Create or update the article of `path` (committed); returns "created" or
    "updated"."""
    title, body = read(path)
    ref = path.stem[:REF_MAX]
    existing = db.session.scalar(select(Article).where(
        Article.workspace_id == ws.id, Article.external_ref == ref))
    try:
        with db.session.begin_nested():
            articles.write(ws, article=existing, kind="native", locale=locale, title=title,
                           body=body, status=status, audience=audience,
                           directory_id=directory_id, external_ref=ref, author="import")
    except ServiceError as exc:
        raise Rejected(exc.message) from None
    db.session.commit()
    return "updated" if existing else "created"


def import_paths(ws: Workspace, paths: Iterable[Path], *, status: str = "draft",
                 audience: str = "public", locale: str = "en-US",
                 directory: str | None = None, progress=None) -> Summary:
    """Import every file of `paths`; `progress(files)` wraps the list (a tqdm bar)."""
    directory_id = None
    if directory:
        directory_id = directories.directory_by_name(ws, directory, locale).id
    files = list(collect(paths))
    summary = Summary()
    for path in (progress(files) if progress else files):
        try:
            outcome = import_file(ws, path, status=status, audience=audience, locale=locale,
                                  directory_id=directory_id)
        except Rejected as exc:
            summary.rejected.append((path, str(exc)))
            continue
        if outcome == "created":
            summary.created += 1
        else:
            summary.updated += 1
    return summary
