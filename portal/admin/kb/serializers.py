"""The staff knowledge-base API's JSON for articles, revisions and directories (their
shapes are declared in portal.schemas.staff_kb for the OpenAPI document)."""

from portal.models import Article, ArticleRevision, Directory, Workspace
from portal.services import articles


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def article_summary(ws: Workspace, article: Article) -> dict:
    return {
        "id": article.id, "kind": article.kind, "slug": article.slug,
        "title": articles.main_title(ws, article), "status": article.status,
        "audience": article.audience, "directory_id": article.directory_id,
        "external_ref": article.external_ref, "link_url": article.link_url,
        "locales": sorted(t.locale for t in article.translations),
        "helpful_yes": article.helpful_yes, "helpful_no": article.helpful_no,
        "views": article.views, "created_at": _when(article.created_at),
        "updated_at": _when(article.updated_at), "published_at": _when(article.published_at),
    }


def article_detail(ws: Workspace, article: Article) -> dict:
    return {
        **article_summary(ws, article),
        "file": ({"name": article.file_name, "type": article.file_type,
                  "url": f"/api/v1/article/{article.id}/file"} if article.file_key else None),
        "translations": [
            {"locale": t.locale, "title": t.title, "description": t.description,
             "body": t.body, "body_html": t.body_html, "updated_at": _when(t.updated_at)}
            for t in sorted(article.translations, key=lambda t: t.locale)],
    }


def revision_json(rev: ArticleRevision) -> dict:
    return {"id": rev.id, "locale": rev.locale, "title": rev.title,
            "description": rev.description, "body": rev.body, "status": rev.status,
            "audience": rev.audience, "author": rev.author, "created_at": _when(rev.created_at)}


def directory_json(directory: Directory) -> dict:
    return {"id": directory.id, "slug": directory.slug, "parent_id": directory.parent_id,
            "position": directory.position, "names": directory.names or {},
            "descriptions": directory.descriptions or {}}
