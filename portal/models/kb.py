from datetime import datetime

from flask_appbuilder.models.sqla import Model
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import UTCDateTime, utcnow
from portal.tenancy import WorkspaceScoped

KINDS = ("native", "file", "link")
STATUSES = ("draft", "published")
AUDIENCES = ("public", "verified", "admins")  # who may read: anyone / signed-in / admins


class Directory(WorkspaceScoped, Model):
    """A knowledge-base category; directories nest and have an order."""

    __tablename__ = "kb_directory"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_directory.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    names: Mapped[dict] = mapped_column(JSON, default=dict)  # {locale: name}
    descriptions: Mapped[dict] = mapped_column(JSON, default=dict)  # {locale: text}
    position: Mapped[int] = mapped_column(default=0)
    parent: Mapped["Directory | None"] = relationship(remote_side="Directory.id")

    def name(self, locale: str, fallback: str = "en-US") -> str:
        names = self.names or {}
        return names.get(locale) or names.get(fallback) or next(iter(names.values()), self.slug)

    def __str__(self) -> str:
        return self.name("en-US")

    __repr__ = __str__


class Article(WorkspaceScoped, Model):
    __tablename__ = "kb_article"
    __table_args__ = (
        UniqueConstraint("workspace_id", "slug"),
        UniqueConstraint("workspace_id", "external_ref"),
        Index("ix_kb_article_ws_status", "workspace_id", "status", "audience"),
        Index("ix_kb_article_ws_directory", "workspace_id", "directory_id", "status", "audience"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="native")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    audience: Mapped[str] = mapped_column(String(10), default="public")
    slug: Mapped[str] = mapped_column(String(200))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    directory_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_directory.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    link_url: Mapped[str | None] = mapped_column(String(2000))
    file_key: Mapped[str | None] = mapped_column(String(100))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_type: Mapped[str | None] = mapped_column(String(100))
    helpful_yes: Mapped[int] = mapped_column(default=0)
    helpful_no: Mapped[int] = mapped_column(default=0)
    views: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    directory: Mapped[Directory | None] = relationship()
    translations: Mapped[list["ArticleTranslation"]] = relationship(
        back_populates="article", cascade="all, delete-orphan")

    def translation(self, locale: str, fallback: str) -> "ArticleTranslation | None":
        by_locale = {t.locale: t for t in self.translations}
        return by_locale.get(locale) or by_locale.get(fallback) or next(
            iter(by_locale.values()), None)

    def __str__(self) -> str:
        first = self.translations[0].title if self.translations else self.slug
        return first

    __repr__ = __str__


class ArticleTranslation(WorkspaceScoped, Model):
    """An article's text in one locale: `body` is Markdown for native articles and the
    extracted text for uploaded files; `body_html` is the sanitized rendering."""

    __tablename__ = "kb_article_translation"
    __table_args__ = (UniqueConstraint("article_id", "locale"),
                      Index("ix_kb_article_translation_ws_article", "workspace_id", "article_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # description and body as plain text, as search shows them (snippets); set on every
    # save (portal.services.articles); None: not computed yet, search computes it
    plain_text: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    article: Mapped[Article] = relationship(back_populates="translations")


class ArticleVote(WorkspaceScoped, Model):
    """One reader's answer to "Was this helpful?": a contact's (voting again changes it), or
    an anonymous visitor's, known only by a keyed hash of their address and the day."""

    __tablename__ = "kb_article_vote"
    __table_args__ = (
        UniqueConstraint("article_id", "contact_id"),
        UniqueConstraint("article_id", "visitor"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    visitor: Mapped[str | None] = mapped_column(String(64))
    helpful: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ArticleRevision(WorkspaceScoped, Model):
    """A saved state of one translation, with who saved it and when; restorable."""

    __tablename__ = "kb_article_revision"
    __table_args__ = (Index("ix_kb_revision_article", "article_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    audience: Mapped[str] = mapped_column(String(10), default="public")
    author: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchIndex(WorkspaceScoped, Model):
    """A built search index of one workspace and locale, versioned; web instances reload
    it when the newest version changes."""

    __tablename__ = "kb_search_index"
    __table_args__ = (UniqueConstraint("workspace_id", "locale", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(10))
    version: Mapped[int]
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    documents: Mapped[int] = mapped_column(default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class SearchQuery(WorkspaceScoped, Model):
    """One search a customer made, for the admins' analytics."""

    __tablename__ = "kb_search_query"
    __table_args__ = (Index("ix_kb_search_query_ws_time", "workspace_id", "created_at"),
                      Index("ix_kb_search_query_visitor", "workspace_id", "visitor"))
    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(10))
    query: Mapped[str] = mapped_column(String(200))
    results: Mapped[int] = mapped_column(default=0)
    opened_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_article.id", ondelete="SET NULL"))
    # a keyed hash of the searcher (contact, else address) and the day, so that the
    # analytics can tell which searches one visitor made in a row (synonym proposals)
    visitor: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchSynonym(WorkspaceScoped, Model):
    """A group of words or phrases that mean the same to a workspace's readers in one
    locale ("bill, invoice, receipt"): a search for one also looks for the others."""

    __tablename__ = "kb_search_synonym"
    __table_args__ = (Index("ix_kb_search_synonym_ws_locale", "workspace_id", "locale"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(10))
    terms: Mapped[str] = mapped_column(Text)  # normalised, joined by ", "
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
